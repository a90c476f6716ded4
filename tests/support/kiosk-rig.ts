/**
 * A KioskServer on a free loopback port with a fake session, a fake clock, a memory logger and
 * throwaway UI / catalogue / voice folders. Each test builds its own and stops it.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KioskServer, type KioskServerOptions } from '../../runtime/kiosk/kiosk-server.ts';
import type { Prompt } from '../../protocols/kiosk/session-contract.ts';
import { FakeClock } from './fake-clock.ts';
import { FakeSession } from './fake-session.ts';
import { KioskTestClient } from './kiosk-test-client.ts';
import { memoryLogger, type LogLine } from './memory-logger.ts';

export interface KioskRig {
  server: KioskServer;
  session: FakeSession;
  clock: FakeClock;
  logs: LogLine[];
  /** http://127.0.0.1:<port> */
  url: string;
  /** ws://127.0.0.1:<port>/kiosk/v1 */
  socketUrl: string;
  /** The temporary folder holding ui/, i18n/, voice/ and files outside them. */
  dir: string;
  rendered: Prompt[];
  connect(): Promise<KioskTestClient>;
  stop(): Promise<void>;
}

export async function startKioskRig(overrides: Partial<KioskServerOptions> = {}): Promise<KioskRig> {
  const dir = mkdtempSync(join(tmpdir(), 'kiosk-'));
  for (const folder of ['ui', 'ui/sub', 'i18n', 'voice/ru']) mkdirSync(join(dir, folder), { recursive: true });
  writeFileSync(join(dir, 'ui/index.html'), '<!doctype html><title>booth</title>');
  writeFileSync(join(dir, 'ui/app.js'), 'console.log("booth");');
  writeFileSync(join(dir, 'ui/sub/index.html'), '<p>sub</p>');
  writeFileSync(join(dir, 'i18n/en.json'), '{"idle.start":"Start"}');
  writeFileSync(join(dir, 'voice/ru/welcome.ogg'), 'OggS-not-really');
  writeFileSync(join(dir, 'secret.txt'), 'TOP-SECRET-OUTSIDE-THE-ROOT');

  const session = new FakeSession();
  const clock = new FakeClock();
  const { logger, lines } = memoryLogger('debug');
  const rendered: Prompt[] = [];
  const server = new KioskServer({
    session,
    host: '127.0.0.1',
    port: 0,
    uiDir: join(dir, 'ui'),
    i18nDir: join(dir, 'i18n'),
    voiceDir: join(dir, 'voice'),
    boothId: 'booth-7',
    languages: () => [
      { code: 'ru', name: 'Русский' },
      { code: 'en', name: 'English' },
    ],
    renderPrompt: (prompt) => {
      rendered.push(prompt);
      return { text: `text of ${prompt.key}`, audio: `/voice/${prompt.language}/${prompt.key}.ogg` };
    },
    clock,
    logger,
    ...overrides,
  });
  const url = await server.start();
  const socketUrl = `${url.replace(/^http/, 'ws')}/kiosk/v1`;
  const clients: KioskTestClient[] = [];
  return {
    server,
    session,
    clock,
    logs: lines,
    url,
    socketUrl,
    dir,
    rendered,
    async connect() {
      const client = await KioskTestClient.connect(socketUrl);
      clients.push(client);
      return client;
    },
    async stop() {
      // Driven by fake time so a client a test left unresponsive cannot hold up the close grace.
      await clock.drive(server.stop(), 10_000, 100);
      // The server side is gone; a client a test paused would wait 30 s for a closing handshake.
      for (const client of clients) client.socket.terminate();
      await Promise.all(clients.map((client) => client.closed));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
