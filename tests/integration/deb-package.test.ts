/**
 * The .deb `make deb` builds (scripts/build-deb.sh): its control data, file list and modes, the
 * conffile and maintainer scripts, dpkg itself unpacking it into a throwaway root, and the
 * unpacked boothctl and boothd running from that root alone (the bundled Node, the packaged
 * node_modules, koffi's prebuild: READY=1 reaches an sd_notify listener).
 */
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT } from '../support/boothd-process.ts';
import { NotifyListener } from '../support/notify-listener.ts';

const work = mkdtempSync(join(tmpdir(), 'booth-deb-'));
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
let deb = '';
after(() => rmSync(work, { recursive: true, force: true }));

/** A PATH with the system's tools (dpkg wants ldconfig and start-stop-daemon) and no project Node. */
const SYSTEM_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

before(() => {
  deb = execFileSync(join(ROOT, 'scripts/build-deb.sh'), [join(work, 'out')], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 }).trim();
});

interface Entry {
  mode: string;
  owner: string;
}

/** `dpkg-deb --contents` as path → mode and owner. */
function contents(): Map<string, Entry> {
  const listing = execFileSync('dpkg-deb', ['--contents', deb], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const entries = new Map<string, Entry>();
  for (const line of listing.split('\n').filter((text) => text !== '')) {
    const [mode, owner, , , , ...path] = line.split(/\s+/);
    entries.set(path.join(' ').replace(/ -> .*$/, '').replace(/^\.\//, '/').replace(/\/$/, '') || '/', { mode: mode!, owner: owner! });
  }
  return entries;
}

describe('the booth-runtime .deb', () => {
  it('is named and described for amd64 with the dependencies of the bundled Node', () => {
    assert.equal(deb, join(work, 'out', `booth-runtime_${VERSION}_amd64.deb`));
    const field = (name: string) => execFileSync('dpkg-deb', ['--field', deb, name], { encoding: 'utf8' }).trim();
    assert.equal(field('Package'), 'booth-runtime');
    assert.equal(field('Version'), VERSION);
    assert.equal(field('Architecture'), 'amd64');
    const depends = field('Depends').split(/,\s*/);
    for (const needed of ['libc6 (>= 2.28)', 'adduser']) assert.ok(depends.includes(needed), `Depends lacks ${needed}: ${depends.join(', ')}`);
    // aplay for the spoken prompts, a CJK font for the Chinese screens: wanted, not required.
    const recommends = field('Recommends').split(/,\s*/);
    for (const wanted of ['alsa-utils', 'fonts-noto-cjk']) assert.ok(recommends.includes(wanted), `Recommends lacks ${wanted}: ${recommends.join(', ')}`);
    assert.ok(Number(field('Installed-Size')) > 100_000, 'Installed-Size (KiB) should count the bundled Node');
    assert.match(execFileSync('dpkg-deb', ['--info', deb], { encoding: 'utf8' }), /conffiles/);
  });

  it('installs to the usual places with the right modes, all root-owned, nothing writable by others', () => {
    const entries = contents();
    const expected: Record<string, string> = {
      '/usr/bin/boothd': '-rwxr-xr-x',
      '/usr/bin/boothctl': '-rwxr-xr-x',
      '/lib/systemd/system/boothd.service': '-rw-r--r--',
      '/lib/udev/rules.d/99-booth.rules': '-rw-r--r--',
      '/usr/lib/modules-load.d/booth-runtime.conf': '-rw-r--r--',
      '/etc/boothd/booth.yaml': '-rw-r--r--',
      '/usr/share/bash-completion/completions/boothctl': '-rw-r--r--',
      '/usr/share/doc/booth-runtime/deploy.md': '-rw-r--r--',
      '/opt/booth-runtime/node/bin/node': '-rwxr-xr-x',
      '/opt/booth-runtime/package.json': '-rw-r--r--',
      '/opt/booth-runtime/runtime/boothd.ts': '-rw-r--r--',
      '/opt/booth-runtime/runtime/systemd/notify.ts': '-rw-r--r--',
      '/opt/booth-runtime/protocols/proto/sparkplug_b.proto': '-rw-r--r--',
      '/opt/booth-runtime/node_modules/koffi/package.json': '-rw-r--r--',
      '/opt/booth-runtime/node_modules/@koromix/koffi-linux-x64/package.json': '-rw-r--r--',
      // The spoken prompts, where audio-settings.ts looks by default (build/voice next to runtime/).
      '/opt/booth-runtime/build/voice/index.json': '-rw-r--r--',
      '/opt/booth-runtime/build/voice/ru/idle.welcome.wav': '-rw-r--r--',
    };
    for (const [path, mode] of Object.entries(expected)) assert.equal(entries.get(path)?.mode, mode, path);
    for (const [path, entry] of entries) {
      assert.equal(entry.owner, 'root/root', path);
      assert.doesNotMatch(entry.mode.slice(4), /w/, `${path} is writable by group or others`);
    }
    const paths = [...entries.keys()];
    const own = /^\/opt\/booth-runtime\/(?!node_modules\/)/;
    for (const unwanted of [/^\/opt\/booth-runtime\/node_modules\/typescript\//, /^\/opt\/booth-runtime\/(tests|bench|var|\.tools)\//]) {
      assert.equal(paths.find((path) => unwanted.test(path)), undefined, `${unwanted} should not be shipped`);
    }
    for (const unwanted of [/\.test\.ts$/, /\.contract\.ts$/]) {
      assert.equal(paths.find((path) => own.test(path) && unwanted.test(path)), undefined, `${unwanted} should not be shipped`);
    }
  });

  it('declares the manifest a conffile and carries maintainer scripts that pass sh -n', () => {
    const control = join(work, 'control');
    execFileSync('dpkg-deb', ['--control', deb, control]);
    assert.equal(readFileSync(join(control, 'conffiles'), 'utf8'), '/etc/boothd/booth.yaml\n');
    for (const script of ['postinst', 'prerm', 'postrm']) {
      const file = join(control, script);
      assert.equal(statSync(file).mode & 0o777, 0o755, script);
      const check = spawnSync('sh', ['-n', file], { encoding: 'utf8' });
      assert.equal(check.status, 0, `${script}: ${check.stderr}`);
    }
  });

  it('postinst creates the boothd system user once and the state directory 0750 boothd', () => {
    const control = join(work, 'control');
    if (!existsSync(control)) execFileSync('dpkg-deb', ['--control', deb, control]);
    // Stubs record the commands postinst runs instead of changing this machine.
    const stubs = join(work, 'stubs');
    mkdirSync(stubs, { recursive: true });
    const log = join(work, 'postinst.log');
    const stub = (name: string, status: string) => {
      writeFileSync(join(stubs, name), `#!/bin/sh\necho "${name} $*" >>"${log}"\nexit ${status}\n`);
      chmodSync(join(stubs, name), 0o755);
    };
    const run = (userExists: boolean, args: string[]) => {
      writeFileSync(log, '');
      for (const name of ['adduser', 'install', 'udevadm', 'systemctl']) stub(name, '0');
      stub('getent', userExists ? '0' : '2');
      const result = spawnSync('sh', [join(control, 'postinst'), ...args], { env: { PATH: `${stubs}:${SYSTEM_PATH}` }, encoding: 'utf8' });
      assert.equal(result.status, 0, result.stderr);
      return readFileSync(log, 'utf8').split('\n').filter((line) => line !== '' && !line.startsWith('getent'));
    };
    const fresh = run(false, ['configure']);
    const adduser = fresh.find((line) => line.startsWith('adduser '));
    assert.ok(adduser, fresh.join('\n'));
    for (const option of ['--system', '--group', '--home /var/lib/boothd', '--shell /usr/sbin/nologin']) assert.ok(adduser.includes(option), `${adduser} lacks ${option}`);
    assert.ok(adduser.endsWith(' boothd'));
    assert.ok(fresh.includes('install -d -o boothd -g boothd -m 0750 /var/lib/boothd'), fresh.join('\n'));
    assert.ok(fresh.includes('install -d -o boothd -g boothd -m 0700 /etc/boothd/keys /etc/boothd/tls'), fresh.join('\n'));
    const again = run(true, ['configure', VERSION]);
    assert.equal(again.find((line) => line.startsWith('adduser')), undefined, 'an existing user is left alone');
    assert.equal(run(true, ['abort-upgrade', VERSION]).length, 0, 'only configure does anything');
  });

  it('dpkg unpacks it into a throwaway root, registering the conffile', () => {
    const root = join(work, 'root');
    mkdirSync(join(root, 'var/lib/dpkg/info'), { recursive: true });
    mkdirSync(join(root, 'var/lib/dpkg/updates'), { recursive: true });
    writeFileSync(join(root, 'var/lib/dpkg/status'), '');
    const env = { ...process.env, PATH: SYSTEM_PATH };
    execFileSync('dpkg', [`--root=${root}`, '--force-not-root', '--unpack', deb], { env, stdio: 'pipe', timeout: 60_000 });
    const status = execFileSync('dpkg', [`--root=${root}`, '--status', 'booth-runtime'], { env, encoding: 'utf8' });
    assert.match(status, /^Status: install ok unpacked$/m);
    assert.match(status, /^Conffiles:\n \/etc\/boothd\/booth\.yaml newconffile$/m);
    // Until configure, dpkg keeps a new conffile beside its final name.
    assert.ok(existsSync(join(root, 'etc/boothd/booth.yaml.dpkg-new')));
    assert.ok(readdirSync(join(root, 'opt/booth-runtime/node_modules')).includes('koffi'));
  });

  it('the unpacked boothctl and boothd run from that root alone, on the bundled Node', async () => {
    const root = join(work, 'root');
    assert.ok(existsSync(join(root, 'usr/bin/boothd')), 'run after the unpack test');
    const env = { PATH: SYSTEM_PATH, HOME: work, NODE_COMPILE_CACHE: join(work, 'compile-cache'), BOOTH_LOG_FORMAT: 'json' };
    const help = spawnSync(join(root, 'usr/bin/boothctl'), ['--help'], { env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(help.status, 0, help.stderr);
    assert.match(help.stdout, /^usage: boothctl/);
    const shipped = join(work, 'shipped.yaml');
    writeFileSync(shipped, readFileSync(join(root, 'etc/boothd/booth.yaml.dpkg-new')));
    const check = spawnSync(join(root, 'usr/bin/boothd'), ['--check-config', shipped], { env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(check.status, 0, check.stderr);
    assert.match(check.stdout, /shipped\.yaml: valid \(booth booth-01, 7 devices\)/);
    const completion = spawnSync('bash', ['-n', join(root, 'usr/share/bash-completion/completions/boothctl')], { encoding: 'utf8' });
    assert.equal(completion.status, 0, completion.stderr);
    // The installed runtime looks for its spoken prompts where the package put them.
    const settings = join(root, 'opt/booth-runtime/runtime/audio/audio-settings.ts');
    const voiceDir = spawnSync(join(root, 'opt/booth-runtime/node/bin/node'), ['--input-type=module', '-e', `process.stdout.write((await import(${JSON.stringify(settings)})).BUILT_VOICE_DIR)`], { env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(voiceDir.status, 0, voiceDir.stderr);
    assert.equal(voiceDir.stdout, join(root, 'opt/booth-runtime/build/voice'));
    assert.ok(existsSync(join(voiceDir.stdout, 'index.json')), 'the packaged runtime finds no voice index');

    // The shipped manifest with a free broker port and a scratch state dir.
    const manifest = join(work, 'booth.yaml');
    writeFileSync(
      manifest,
      readFileSync(shipped, 'utf8')
        .replace('embeddedBroker: { port: 18830 }', 'embeddedBroker: { port: 0 }')
        .replace('stateDir: /var/lib/boothd', `stateDir: ${join(work, 'state')}`),
    );
    const socket = join(work, 'notify.sock');
    const listener = await NotifyListener.onPath(socket);
    const boothd = spawn(join(root, 'usr/bin/boothd'), ['--config', manifest], { env: { ...env, NOTIFY_SOCKET: socket }, stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => boothd.on('exit', (code) => resolve(code)));
    try {
      await listener.waitForField((field) => field === 'READY=1', 'READY=1 from the packaged boothd', 0, 30_000);
      assert.equal(listener.fields[1], 'STATUS=running booth booth-01: door released, 7/7 devices ready');
    } finally {
      boothd.kill('SIGTERM');
      assert.equal(await exited, 0);
      await listener.stop();
    }
  });
});
