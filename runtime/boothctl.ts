/**
 * boothctl entry point (the field technician's CLI). This first cut talks to a running boothd
 * over its control socket: `status`, `door lock|unlock`, `sim <hook>`, any raw command, and
 * `config validate`. The full diagnostics CLI grows from here.
 */
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError } from './config/errors.ts';
import { loadConfigFile } from './config/load.ts';
import { sendControlCommand } from './control/control-client.ts';
import { builtinDrivers } from './devices/builtin-drivers.ts';
import { systemClock } from '../hal/clock.ts';
import { createLogger } from './logging/logger.ts';
import { releaseDoorsDirectly } from './safety/direct-release.ts';

const USAGE = `usage: boothctl [--state-dir <dir>] [--json] <command>

  status                      booth, door and device status
  door lock|unlock [reason]   lock (refused when unsafe) or release the door
  door unlock --direct --config <file>
                              release the door straight through the HAL, without boothd
                              (systemd ExecStopPost runs this; see docs/door-safety.md)
  sim <hook> [json-args]      a simulator hook, e.g. sim exit-button, sim fire-alarm '{"active":true}'
  call <command> [json-args]  any control-socket command ("call help" lists them)
  config validate <file>      check a manifest the way boothd does

--state-dir defaults to $BOOTH_STATE_DIR, where boothd keeps boothd.sock.`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    options: {
      'state-dir': { type: 'string' },
      config: { type: 'string' },
      direct: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    allowPositionals: true,
  });
  const [verb, ...rest] = positionals;
  if (values.help || !verb) {
    process.stdout.write(`${USAGE}\n`);
    return verb || values.help ? 0 : 64;
  }
  if (verb === 'config' && rest[0] === 'validate' && rest[1]) {
    try {
      const loaded = loadConfigFile(rest[1], { registry: builtinDrivers(), env: process.env });
      process.stdout.write(`${rest[1]}: valid (booth ${loaded.config.booth.id}, ${loaded.devices.length} devices)\n`);
      return 0;
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
  }
  if (verb === 'door' && rest[0] === 'unlock' && values.direct) {
    if (!values.config) {
      process.stderr.write('boothctl: door unlock --direct needs --config <file>\n');
      return 64;
    }
    let loaded;
    try {
      loaded = loadConfigFile(values.config, { registry: builtinDrivers(), env: process.env });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      process.stderr.write(`${error.message}\n`);
      return 2;
    }
    const logger = createLogger({ level: 'info', pretty: false, destination: process.stderr });
    const results = await releaseDoorsDirectly(loaded, systemClock, logger, rest[1] ?? 'direct release (boothd not running)');
    for (const result of results) process.stdout.write(`${result.door}: ${result.ok ? 'released' : 'FAILED'} (${result.detail})\n`);
    return results.every((result) => result.ok) ? 0 : 1;
  }
  const stateDir = values['state-dir'] ?? process.env.BOOTH_STATE_DIR;
  if (!stateDir) {
    process.stderr.write('boothctl: give --state-dir or set BOOTH_STATE_DIR\n');
    return 64;
  }
  const request = toRequest(verb, rest);
  if (!request) {
    process.stderr.write(`boothctl: unknown command "${positionals.join(' ')}"\n${USAGE}\n`);
    return 64;
  }
  const answer = await sendControlCommand(join(stateDir, 'boothd.sock'), request.command, request.args);
  process.stdout.write(`${values.json ? JSON.stringify(answer) : JSON.stringify(answer.ok ? answer.result : answer.error, null, 2)}\n`);
  return answer.ok ? 0 : 1;
}

function toRequest(verb: string, rest: string[]): { command: string; args: Record<string, unknown> } | undefined {
  const json = (text: string | undefined) => (text ? (JSON.parse(text) as Record<string, unknown>) : {});
  if (verb === 'status') return { command: 'status', args: {} };
  if (verb === 'door' && (rest[0] === 'lock' || rest[0] === 'unlock')) {
    return { command: `door.${rest[0]}`, args: rest[1] ? { reason: rest[1] } : {} };
  }
  if (verb === 'sim' && rest[0]) return { command: `sim.${rest[0]}`, args: json(rest[1]) };
  if (verb === 'call' && rest[0]) return { command: rest[0], args: json(rest[1]) };
  return undefined;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`boothctl: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
