/**
 * boothctl's dispatcher run in-process: usage and exit codes, "did you mean", per-command help,
 * colour rules, the daemon-down paths of status and logs, and how the control-socket link tells
 * "boothd is down" from "boothd said no" from "boothd said nonsense".
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { commandName, runCli, usage } from '../../runtime/boothctl/cli.ts';
import { EXIT } from '../../runtime/boothctl/command.ts';
import { BOOTHCTL_COMMANDS } from '../../runtime/boothctl/commands.ts';
import { logsCommand } from '../../runtime/boothctl/commands/logs.ts';
import { statusCommand } from '../../runtime/boothctl/commands/status.ts';
import { DaemonDown, DaemonLink, DaemonRefused, SocketForbidden } from '../../runtime/boothctl/daemon-link.ts';
import type { Output } from '../../runtime/boothctl/terminal.ts';

const ESC = '\u001b[';

class FakeOutput implements Output {
  text = '';
  readonly isTTY: boolean;
  constructor(isTTY: boolean) {
    this.isTTY = isTTY;
  }
  write(text: string): void {
    this.text += text;
  }
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(argv: readonly string[], options: { tty?: boolean; env?: NodeJS.ProcessEnv } = {}): Promise<Run> {
  const stdout = new FakeOutput(options.tty ?? false);
  const stderr = new FakeOutput(options.tty ?? false);
  const code = await runCli(argv, BOOTHCTL_COMMANDS, { stdout, stderr, env: options.env ?? {} });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

/** A stand-in boothd: answers each request line with whatever `answer` returns (raw text). */
async function fakeDaemon(path: string, answer: (request: { id: number; command: string; args: Record<string, unknown> }) => string): Promise<{ server: Server; requests: Array<{ command: string; args: Record<string, unknown> }> }> {
  const requests: Array<{ command: string; args: Record<string, unknown> }> = [];
  const server = createServer((socket: Socket) => {
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      const request = JSON.parse(buffered.slice(0, newline)) as { id: number; command: string; args: Record<string, unknown> };
      buffered = buffered.slice(newline + 1);
      requests.push({ command: request.command, args: request.args });
      socket.write(`${answer(request)}\n`);
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  return { server, requests };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  assert.fail('expected a rejection');
}

describe('boothctl dispatcher', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'boothctl-cli-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('without a command prints the usage on stderr and exits 64', async () => {
    const result = await run([]);
    assert.equal(result.code, EXIT.usage);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^usage: boothctl /);
    for (const command of ['status', 'doctor', 'device', 'logs']) assert.match(result.stderr, new RegExp(`^  ${command} +\\S`, 'm'));
  });

  it('--help and -h print the usage on stdout and exit 0; hidden helpers are not listed', async () => {
    for (const flag of ['--help', '-h']) {
      const result = await run([flag]);
      assert.equal(result.code, EXIT.ok, flag);
      assert.equal(result.stderr, '', flag);
      assert.equal(result.stdout, `${usage(BOOTHCTL_COMMANDS)}\n`, flag);
      assert.match(result.stdout, /^  status +daemon, broker link/m);
      assert.doesNotMatch(result.stdout, /__complete/);
    }
  });

  it('an unknown command exits 64 and suggests the nearest one', async () => {
    const typo = await run(['stauts']);
    assert.equal(typo.code, EXIT.usage);
    assert.equal(typo.stdout, '');
    assert.match(typo.stderr, /unknown command "stauts"; did you mean "status"\?/);

    const unrelated = await run(['frobnicate']);
    assert.equal(unrelated.code, EXIT.usage);
    assert.match(unrelated.stderr, /unknown command "frobnicate"/);
    assert.doesNotMatch(unrelated.stderr, /did you mean/);
  });

  it('<command> --help prints that command\'s help on stdout, whichever side of the name the flag is', async () => {
    for (const argv of [['status', '--help'], ['--help', 'status'], ['status', '-h'], ['--json', 'logs', '--help']]) {
      const result = await run(argv);
      assert.equal(result.code, EXIT.ok, argv.join(' '));
      assert.equal(result.stderr, '', argv.join(' '));
      const expected = argv.includes('logs') ? logsCommand.help : statusCommand.help;
      assert.equal(result.stdout, `${expected}\n`, argv.join(' '));
    }
  });

  it('an unknown option exits 64, names the option and prints the command help on stderr', async () => {
    const result = await run(['status', '--bogus']);
    assert.equal(result.code, EXIT.usage);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^boothctl status: .*'--bogus'/);
    assert.ok(result.stderr.includes(statusCommand.help), result.stderr);
  });

  it('a command\'s usage error (bad --level, bad --lines) exits 64 with the help, before any daemon contact', async () => {
    const level = await run(['logs', '--state-dir', dir, '--level', 'loud']);
    assert.equal(level.code, EXIT.usage);
    assert.match(level.stderr, /unknown level "loud"; levels: trace, debug, info, audit, warn, error, fatal/);
    assert.ok(level.stderr.includes(logsCommand.help));
    const lines = await run(['logs', '--state-dir', dir, '--lines', '0']);
    assert.equal(lines.code, EXIT.usage);
    assert.match(lines.stderr, /--lines must be a positive integer/);
  });

  describe('--color', () => {
    // Offline status with an unreadable manifest: fast, touches no hardware, and paints "NOT RUNNING" red.
    const statusArgs = () => ['status', '--state-dir', dir, '--no-probe', '--config', join(dir, 'missing.yaml')];

    it('always paints even when piped; never paints not even on a terminal', async () => {
      const always = await run(['--color', 'always', ...statusArgs()], { tty: false });
      assert.equal(always.code, EXIT.unavailable);
      assert.ok(always.stdout.includes(`${ESC}31mNOT RUNNING${ESC}39m`), JSON.stringify(always.stdout));
      const equalsForm = await run(['--color=always', ...statusArgs()], { tty: false });
      assert.ok(equalsForm.stdout.includes(`${ESC}31mNOT RUNNING`), JSON.stringify(equalsForm.stdout));
      const never = await run([...statusArgs(), '--color', 'never'], { tty: true });
      assert.equal(never.code, EXIT.unavailable);
      assert.match(never.stdout, /NOT RUNNING/);
      assert.ok(!never.stdout.includes('\u001b'), JSON.stringify(never.stdout));
    });

    it('auto (and no flag) paints only on a terminal without NO_COLOR', async () => {
      for (const flag of [[], ['--color', 'auto']]) {
        const tty = await run([...flag, ...statusArgs()], { tty: true });
        assert.ok(tty.stdout.includes(`${ESC}31mNOT RUNNING`), `${flag.join(' ')}: ${JSON.stringify(tty.stdout)}`);
        const piped = await run([...flag, ...statusArgs()], { tty: false });
        assert.ok(!piped.stdout.includes('\u001b'), `${flag.join(' ')}: ${JSON.stringify(piped.stdout)}`);
        const noColor = await run([...flag, ...statusArgs()], { tty: true, env: { NO_COLOR: '1' } });
        assert.ok(!noColor.stdout.includes('\u001b'), `${flag.join(' ')}: ${JSON.stringify(noColor.stdout)}`);
      }
    });

    it('--json output is never painted, even with --color always', async () => {
      const result = await run(['--json', '--color', 'always', ...statusArgs()], { tty: true });
      assert.ok(!result.stdout.includes('\u001b'));
      assert.equal((JSON.parse(result.stdout) as { daemon: { running: boolean } }).daemon.running, false);
    });

    it('a value other than auto, always or never exits 64', async () => {
      const result = await run(['--color', 'bogus', ...statusArgs()]);
      assert.equal(result.code, EXIT.usage);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, /--color must be auto, always or never/);
    });
  });

  describe('with boothd down', () => {
    it('status exits 69, says boothd is not running on stderr, and shows why the manifest could not be read', async () => {
      const manifest = join(dir, 'missing.yaml');
      const result = await run(['status', '--state-dir', dir, '--no-probe', '--config', manifest]);
      assert.equal(result.code, EXIT.unavailable);
      assert.match(result.stderr, /boothd is not running/);
      assert.ok(result.stderr.includes(join(dir, 'boothd.sock')), result.stderr);
      assert.match(result.stdout, /^boothd +NOT RUNNING \(.*boothd\.sock\)$/m);
      assert.match(result.stdout, /^config +.*missing\.yaml: invalid booth configuration/m);
      assert.match(result.stdout, /cannot read the file: ENOENT/);
      assert.doesNotMatch(result.stdout, /devices probed directly/);
    });

    it('status --json reports the daemon down and the manifest error as data, exit 69', async () => {
      const manifest = join(dir, 'missing.yaml');
      const result = await run(['status', '--json', '--state-dir', dir, '--no-probe'], { env: { BOOTH_CONFIG: manifest } });
      assert.equal(result.code, EXIT.unavailable);
      const status = JSON.parse(result.stdout) as { daemon: { running: boolean; socket: string }; configError?: string; boothId?: string; devices?: unknown };
      assert.deepEqual(status.daemon, { running: false, socket: join(dir, 'boothd.sock') });
      assert.ok(status.configError?.includes(manifest), status.configError);
      assert.equal(status.boothId, undefined);
      assert.equal(status.devices, undefined);
    });

    it('logs exits 69 and points at the journal, where a stopped boothd\'s logs are', async () => {
      const result = await run(['logs', '--state-dir', dir]);
      assert.equal(result.code, EXIT.unavailable);
      assert.equal(result.stdout, '');
      assert.match(result.stderr, /^boothctl logs: boothd is not running/);
      assert.match(result.stderr, /journalctl -u boothd/);
    });
  });

  describe('with a daemon answering', () => {
    it('logs asks for the filtered lines and prints them, one per line', async () => {
      const { server, requests } = await fakeDaemon(join(dir, 'boothd.sock'), (request) =>
        JSON.stringify({
          id: request.id,
          ok: true,
          result: [
            { level: 35, time: '2026-11-27T09:00:01.250Z', component: 'door', msg: 'door.locked' },
            { level: 50, time: '2026-11-27T09:00:02.500Z', msg: 'camera lost' },
          ],
        }),
      );
      try {
        const result = await run(['logs', '--state-dir', dir, '--component', 'door', '--level', 'audit', '--lines', '7']);
        assert.equal(result.code, EXIT.ok, result.stderr);
        assert.deepEqual(requests, [{ command: 'logs.recent', args: { component: 'door', level: 'audit', limit: 7 } }]);
        assert.equal(result.stdout, '09:00:01.250 AUDIT [door] door.locked\n09:00:02.500 ERROR camera lost\n');
      } finally {
        await closeServer(server);
      }
    });

    it('a refusal from boothd exits 1 with boothd\'s reason', async () => {
      const { server } = await fakeDaemon(join(dir, 'boothd.sock'), (request) => JSON.stringify({ id: request.id, ok: false, error: 'control is shutting down', code: 'ESHUTDOWN' }));
      try {
        const result = await run(['status', '--state-dir', dir]);
        assert.equal(result.code, EXIT.failed);
        assert.match(result.stderr, /^boothctl status: boothd refused "status\.full": control is shutting down$/m);
      } finally {
        await closeServer(server);
      }
    });
  });

  it('commandName skips the values of global options that take one', () => {
    assert.equal(commandName(['--config', 'f', 'status']), 'status');
    assert.equal(commandName(['--config=f', 'status']), 'status');
    assert.equal(commandName(['--json', 'status']), 'status');
    assert.equal(commandName(['--state-dir', '/var/lib/boothd', '--color', 'never', 'logs', '--lines', '5']), 'logs');
    assert.equal(commandName(['-h', 'device', 'door']), 'device');
    assert.equal(commandName(['--', 'status']), 'status');
    assert.equal(commandName(['--json']), undefined);
    assert.equal(commandName(['--config', 'status']), undefined, '"status" is the value of --config here');
    assert.equal(commandName([]), undefined);
  });
});

describe('daemon link error mapping', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'boothctl-link-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a socket path that does not exist means boothd is down', async () => {
    const path = join(dir, 'boothd.sock');
    const link = new DaemonLink(path, 5000);
    const error = await rejection(link.call('status'));
    assert.ok(error instanceof DaemonDown, String(error));
    assert.ok(error.message.includes(path));
    assert.equal((error.cause as NodeJS.ErrnoException).code, 'ENOENT');
    assert.equal(await link.running(), false);
  });

  it('a socket path under a regular file (ENOTDIR) means boothd is down', async () => {
    const file = join(dir, 'not-a-dir');
    writeFileSync(file, 'x');
    const link = new DaemonLink(join(file, 'boothd.sock'), 5000);
    const error = await rejection(link.call('status'));
    assert.ok(error instanceof DaemonDown, String(error));
    assert.equal((error.cause as NodeJS.ErrnoException).code, 'ENOTDIR');
  });

  it('an answer with ok:false is DaemonRefused carrying boothd\'s code; ok:true gives the result', async () => {
    const path = join(dir, 'boothd.sock');
    const { server, requests } = await fakeDaemon(path, (request) =>
      request.command === 'door.lock' ? JSON.stringify({ id: request.id, ok: false, error: 'nope', code: 'X' }) : JSON.stringify({ id: request.id, ok: true, result: { echoed: request.args } }),
    );
    try {
      const link = new DaemonLink(path, 5000);
      const error = await rejection(link.call('door.lock', { reason: 'test' }));
      assert.ok(error instanceof DaemonRefused, String(error));
      assert.equal(error.code, 'X');
      assert.equal(error.message, 'boothd refused "door.lock": nope');
      assert.ok(!(error instanceof DaemonDown) && !(error instanceof SocketForbidden));
      assert.deepEqual(await link.call('echo', { a: 1 }), { echoed: { a: 1 } });
      assert.equal(await link.running(), true);
      assert.deepEqual(
        requests.map((request) => request.command),
        ['door.lock', 'echo', 'help'],
      );
      assert.deepEqual(requests[0]?.args, { reason: 'test' });
    } finally {
      await closeServer(server);
    }
  });

  it('a malformed answer is an error saying so, not "boothd is down"', async () => {
    const path = join(dir, 'boothd.sock');
    const { server } = await fakeDaemon(path, () => '{"ok": tru');
    try {
      const link = new DaemonLink(path, 5000);
      const error = await rejection(link.call('status'));
      assert.ok(!(error instanceof DaemonDown) && !(error instanceof DaemonRefused), String(error));
      assert.match(error.message, /malformed JSON/);
      // running() passes errors other than "down" on.
      await assert.rejects(link.running(), /malformed JSON/);
    } finally {
      await closeServer(server);
    }
  });
});
