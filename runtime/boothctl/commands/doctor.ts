/**
 * `boothctl doctor`: every check in order with a progress display, then a verdict table
 * (pass/warn/fail + what to do). Exit code 1 when any check fails. Works with boothd running
 * (through it) and with boothd down (devices opened directly).
 */
import { ConfigError } from '../../config/errors.ts';
import type { LoadedConfig } from '../../config/load.ts';
import { readClockSync } from '../../diagnostics/clock-sync.ts';
import type { CommandSpec } from '../command.ts';
import { EXIT } from '../command.ts';
import type { CliContext } from '../context.ts';
import { DaemonDown } from '../daemon-link.ts';
import { DaemonAccess, DirectAccess, type BoothAccess } from '../doctor/booth-access.ts';
import { probeBroker } from '../doctor/broker-probe.ts';
import { planChecks, type DoctorEnvironment, type Finding, type Verdict } from '../doctor/checks.ts';
import type { Colour, Terminal } from '../terminal.ts';

const MARKS: Record<Verdict, [string, Colour]> = {
  pass: ['PASS', 'green'],
  warn: ['WARN', 'yellow'],
  fail: ['FAIL', 'red'],
  skip: ['SKIP', 'dim'],
};

export const doctorCommand: CommandSpec = {
  name: 'doctor',
  summary: 'run every check in order and say what is wrong and what to do',
  help: `usage: boothctl doctor [--no-captures] [--json]

Checks, in order: the manifest, boothd, each device opens and answers, the door lock cycles and
its bolt sensor follows (not with a person inside), lighting channels respond, a test capture
per fingerprint scanner with its quality, a camera test photo, the signature pad echoes, the
broker is reachable (with TLS), the primary host is online, disk write + fsync, time sync, and
the client certificate's expiry. Test images are discarded.
--no-captures skips the scanner and camera captures (they need a person at real hardware).
Exit code: 0 nothing failed (warnings allowed), 1 something failed.`,
  options: { 'no-captures': { type: 'boolean', default: false } },
  async run(context, _positionals, values) {
    const environment = await prepare(context, values['no-captures'] !== true);
    const results: Array<{ name: string } & Finding> = [];
    try {
      const checks = await planChecks(environment);
      for (const check of checks) {
        if (!context.json) context.term.progress(`${check.name} …`);
        const finding = await check.run().catch((error: Error): Finding => ({ verdict: 'fail', detail: `check crashed: ${error.message}`, fix: 'report this to the booth software team' }));
        results.push({ name: check.name, ...finding });
        if (!context.json) context.term.progressDone(`${mark(context.term, finding.verdict)} ${check.name}: ${finding.detail}`);
      }
    } finally {
      await environment.access?.close();
    }
    const failed = results.filter((result) => result.verdict === 'fail').length;
    const warned = results.filter((result) => result.verdict === 'warn').length;
    const verdict = failed > 0 ? 'fail' : warned > 0 ? 'warn' : 'pass';
    context.emit({ verdict, mode: environment.access?.mode, checks: results }, () => renderVerdicts(context.term, results, failed, warned));
    return failed > 0 ? EXIT.failed : EXIT.ok;
  },
};

async function prepare(context: CliContext, captures: boolean): Promise<DoctorEnvironment> {
  let loaded: LoadedConfig | undefined;
  let configError: string | undefined;
  let access: BoothAccess | undefined;
  let accessError: string | undefined;
  let configFile = context.configFile;
  let daemon: DaemonAccess | undefined;
  try {
    daemon = await DaemonAccess.connect(context.daemon());
    // The manifest boothd runs with, unless the technician named another.
    if (!context.namedConfigFile) configFile = daemon.status.daemon.configFile;
  } catch (error) {
    // No state dir known yet (the manifest names it) or boothd down: go on without it.
    if (!(error instanceof DaemonDown) && !(error instanceof ConfigError)) accessError = (error as Error).message;
  }
  try {
    loaded = context.config(configFile);
  } catch (error) {
    configError = (error as Error).message;
  }
  if (daemon) access = daemon;
  else if (loaded && !accessError) {
    try {
      access = await DirectAccess.open(loaded);
    } catch (error) {
      accessError = (error as Error).message;
    }
  }
  const stateDir = loaded?.config.stateDir ?? context.options.stateDir ?? context.env.BOOTH_STATE_DIR;
  return {
    configFile,
    captures,
    ...(loaded ? { loaded } : {}),
    ...(configError ? { configError } : {}),
    ...(access ? { access } : {}),
    ...(accessError ? { accessError } : {}),
    ...(stateDir ? { stateDir } : {}),
    probeBroker: (url, primaryHost) => probeBroker(url, loaded?.config.mqtt ?? { embeddedBroker: { host: '127.0.0.1', port: 0 } }, primaryHost),
    readClock: readClockSync,
    now: () => Date.now(),
  };
}

function mark(term: Terminal, verdict: Verdict): string {
  const [text, colour] = MARKS[verdict];
  return term.paint(colour, text);
}

function renderVerdicts(term: Terminal, results: ReadonlyArray<{ name: string } & Finding>, failed: number, warned: number): void {
  term.line();
  term.table([
    [term.paint('bold', 'CHECK'), term.paint('bold', 'RESULT'), term.paint('bold', 'WHAT TO DO')],
    ...results.map((result) => [result.name, mark(term, result.verdict), result.fix ?? '']),
  ]);
  term.line();
  const summary = failed > 0 ? term.paint('red', `${failed} FAILED`) : term.paint('green', 'no failures');
  term.line(`verdict: ${summary}, ${warned} warnings, ${results.length} checks`);
}
