/**
 * `boothctl bundle`: the support archive a technician leaves behind. Built from an allowlist —
 * the redacted manifest, status, device inventory, versions, recent logs, the audit tail and the
 * outbox listing — so nothing else on the booth (captures, the outbox file, keys, simulator
 * state) can slip in. Every entry is text a person can read before sending it on.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { release, type as osType } from 'node:os';
import { join } from 'node:path';
import type { CommandSpec } from '../command.ts';
import { EXIT } from '../command.ts';
import type { CliContext } from '../context.ts';
import { DaemonDown } from '../daemon-link.ts';
import { readChainTail } from '../../audit/audit-files.ts';
import { withOfflineOutbox } from '../offline-facts.ts';
import { redactConfig } from '../redact-config.ts';
import { tarGz, type ArchiveEntry } from '../tar-archive.ts';
import { formatBytes } from '../terminal.ts';

const AUDIT_TAIL_LINES = 1000;

export const bundleCommand: CommandSpec = {
  name: 'bundle',
  summary: 'a support archive: redacted config, logs, status, versions, devices — no biometric data',
  help: `usage: boothctl bundle [--out FILE.tar.gz] [--force]

Writes a .tar.gz (mode 0600) with: the manifest with secrets redacted, status, the device
inventory, versions, boothd's recent logs, the last ${AUDIT_TAIL_LINES} audit lines and the outbox listing
(package ids, sizes, ages). It never contains captures, the outbox file, keys or certificates.
Default FILE: boothctl-bundle-<booth>-<time>.tar.gz in the current folder.`,
  options: { out: { type: 'string' }, force: { type: 'boolean', default: false } },
  async run(context, _positionals, values) {
    const now = new Date();
    const entries: ArchiveEntry[] = [];
    const notes: string[] = [];
    const add = (name: string, data: string) => entries.push({ name: `bundle/${name}`, data, mode: 0o600, mtimeMs: now.getTime() });
    const json = (value: unknown) => `${JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item), 2)}\n`;

    const daemon = await fromDaemon(context);
    if (daemon) {
      add('status.json', json(daemon.status));
      add('logs.jsonl', daemon.logs.map((line) => JSON.stringify(line)).join('\n') + '\n');
      if (daemon.outbox) add('outbox.json', json(daemon.outbox));
    } else notes.push('boothd was not running: status, logs and outbox come from the files (logs: journalctl -u boothd)');

    const configFile = daemon?.configFile ?? context.configFile;
    let boothId = daemon?.boothId ?? 'unknown';
    let stateDir = context.options.stateDir ?? context.env.BOOTH_STATE_DIR;
    try {
      const redacted = redactConfig(readFileSync(configFile, 'utf8'));
      add('manifest.redacted.yaml', redacted.text);
      if (redacted.redacted.length > 0) notes.push(`redacted from the manifest: ${redacted.redacted.join(', ')}`);
    } catch (error) {
      notes.push(`manifest ${configFile} left out: ${(error as Error).message}`);
    }
    try {
      const loaded = context.config(configFile);
      boothId = loaded.config.booth.id;
      stateDir = loaded.config.stateDir;
      add('devices.json', json(loaded.devices.map(({ entry, driver }) => ({ id: entry.id, compatible: entry.compatible, deviceClass: driver.deviceClass, bus: entry.bus.type }))));
      if (!daemon) {
        const outbox = withOfflineOutbox(loaded, (box) => ({ ...box.stats(), pending: box.pending(1000) }));
        if (outbox) add('outbox.json', json(outbox));
      }
    } catch (error) {
      notes.push(`manifest does not load: ${(error as Error).message}`);
    }
    if (stateDir) {
      // The end of the audit chain, across its rotated files, read backwards (never whole).
      const lines = readChainTail(join(stateDir, 'audit.log'), AUDIT_TAIL_LINES).map((line) => line.text);
      if (lines.length > 0) add('audit-tail.jsonl', `${lines.join('\n')}\n`);
    }
    add('versions.json', json(versions(daemon?.version)));
    add('README.txt', readme(boothId, now, notes));

    const archive = tarGz(entries);
    const out = typeof values.out === 'string' ? values.out : `boothctl-bundle-${boothId}-${now.toISOString().replace(/[:.]/g, '-')}.tar.gz`;
    writeFileSync(out, archive, { mode: 0o600, flag: values.force === true ? 'w' : 'wx' });
    context.emit({ file: out, bytes: archive.byteLength, entries: entries.map((entry) => entry.name), notes }, () => {
      context.term.line(`support bundle ${out} (${formatBytes(archive.byteLength)}): ${entries.map((entry) => entry.name.replace('bundle/', '')).join(', ')}`);
      for (const note of notes) context.term.line(`  note: ${note}`);
    });
    return EXIT.ok;
  },
};

interface DaemonPart {
  status: Record<string, unknown>;
  logs: unknown[];
  outbox?: unknown;
  configFile: string;
  boothId: string;
  version: string;
}

async function fromDaemon(context: CliContext): Promise<DaemonPart | undefined> {
  let link;
  try {
    link = context.daemon();
  } catch {
    return undefined; // no state dir known and no manifest to name it
  }
  try {
    const status = await link.call<Record<string, unknown> & { boothId: string; daemon: { configFile: string; version: string } }>('status.full');
    const logs = await link.call<unknown[]>('logs.recent', { limit: 2000 });
    const outbox = await link.call('outbox.list', { limit: 1000 }).catch(() => undefined);
    return { status, logs, ...(outbox ? { outbox } : {}), configFile: status.daemon.configFile, boothId: status.boothId, version: status.daemon.version };
  } catch (error) {
    if (error instanceof DaemonDown) return undefined;
    throw error;
  }
}

function versions(daemonVersion: string | undefined): Record<string, unknown> {
  const root = join(import.meta.dirname, '..', '..', '..');
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string; dependencies?: Record<string, string> };
  const osRelease = existsSync('/etc/os-release') ? Object.fromEntries(readFileSync('/etc/os-release', 'utf8').split('\n').filter((line) => /^(NAME|VERSION|ID|VERSION_ID)=/.test(line)).map((line) => line.split('=', 2) as [string, string])) : {};
  return {
    boothctl: manifest.version ?? 'unknown',
    boothd: daemonVersion ?? 'not running',
    node: process.version,
    os: { type: osType(), kernel: release(), ...osRelease },
    dependencies: manifest.dependencies ?? {},
  };
}

function readme(boothId: string, at: Date, notes: readonly string[]): string {
  return `booth-runtime support bundle
booth: ${boothId}
made:  ${at.toISOString()}

What is in it: the booth manifest with secrets redacted, boothd's status and recent logs, the
device inventory, software versions, the last audit lines and the outbox listing (package ids,
sizes and ages only).
What is never in it: captures or any biometric data, the outbox file, keys, certificates.
${notes.length ? `\nnotes:\n${notes.map((note) => `- ${note}`).join('\n')}\n` : ''}`;
}
