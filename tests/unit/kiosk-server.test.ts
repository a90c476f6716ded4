/** The kiosk WebSocket API (booth-kiosk/1): greeting, actions, refusals, fan-out and limits. */
import assert from 'node:assert/strict';
import { networkInterfaces } from 'node:os';
import { afterEach, describe, it } from 'node:test';
import { KioskServer } from '../../runtime/kiosk/kiosk-server.ts';
import { SessionActionError, type QualityFeedback } from '../../protocols/kiosk/session-contract.ts';
import { FakeClock } from '../support/fake-clock.ts';
import { FakeSession, snapshotIn } from '../support/fake-session.ts';
import { startKioskRig, type KioskRig } from '../support/kiosk-rig.ts';
import { KioskTestClient } from '../support/kiosk-test-client.ts';
import { memoryLogger } from '../support/memory-logger.ts';

const rigs: KioskRig[] = [];
async function rig(...args: Parameters<typeof startKioskRig>): Promise<KioskRig> {
  const started = await startKioskRig(...args);
  rigs.push(started);
  return started;
}
afterEach(async () => {
  await Promise.all(rigs.splice(0).map((started) => started.stop()));
});

/** Round-trips a ping: everything the server sent before the pong has arrived by then. */
async function flush(client: KioskTestClient, id = `flush-${Math.random()}`): Promise<void> {
  const reply = await client.request({ type: 'ping', id });
  assert.deepEqual(reply, { type: 'pong', id });
}

describe('kiosk server: connection', () => {
  it('greets a new client with hello (protocol, booth, languages, snapshot) and the current prompt', async () => {
    const kiosk = await rig();
    kiosk.session.current = snapshotIn('language', {
      sessionId: '0196b2a4-0000-7000-8000-000000000001',
      prompt: { key: 'language.choose', params: {}, language: 'en' },
    });
    const client = await kiosk.connect();
    const hello = await client.next();
    assert.deepEqual(hello, {
      type: 'hello',
      protocol: 'booth-kiosk/1',
      boothId: 'booth-7',
      languages: [
        { code: 'ru', name: 'Русский' },
        { code: 'en', name: 'English' },
      ],
      snapshot: JSON.parse(JSON.stringify(kiosk.session.current)),
    });
    assert.deepEqual(await client.next(), {
      type: 'prompt',
      key: 'language.choose',
      language: 'en',
      params: {},
      text: 'text of language.choose',
      audio: '/voice/en/language.choose.ogg',
    });
  });

  it('sends no prompt message when the snapshot has none', async () => {
    const kiosk = await rig();
    const client = await kiosk.connect();
    assert.equal((await client.next()).type, 'hello');
    await flush(client);
    assert.equal(client.received.length, 0);
  });

  it('answers ping with pong, and accepts a hello naming booth-kiosk/1 silently', async () => {
    const kiosk = await rig();
    const client = await kiosk.connect();
    await client.next('hello');
    client.send({ type: 'hello', protocol: 'booth-kiosk/1' });
    await flush(client, 'p1');
    assert.equal(client.received.length, 0);
  });

  it('refuses another protocol with EPROTO naming booth-kiosk/1, then closes with 4001', async () => {
    const kiosk = await rig();
    const client = await kiosk.connect();
    await client.next('hello');
    client.send({ type: 'hello', protocol: 'booth-kiosk/2' });
    const error = await client.next('error');
    assert.equal(error.code, 'EPROTO');
    assert.match(String(error.message), /unsupported protocol "booth-kiosk\/2"; this server speaks booth-kiosk\/1/);
    assert.equal((await client.closed).code, 4001);
  });
});

describe('kiosk server: actions', () => {
  it('hands a valid action to session.act() and acks it by id', async () => {
    const kiosk = await rig();
    const client = await kiosk.connect();
    await client.next('hello');
    assert.deepEqual(await client.request({ type: 'action', id: 'a1', action: 'start' }), { type: 'ack', id: 'a1' });
    assert.deepEqual(await client.request({ type: 'action', id: 'a2', action: 'choose-language', language: 'uz' }), { type: 'ack', id: 'a2' });
    const fingers = [
      { position: 2, reason: 'bandaged' },
      { position: 7, reason: 'amputated' },
    ];
    assert.deepEqual(await client.request({ type: 'action', id: 'a3', action: 'declare-missing', fingers }), { type: 'ack', id: 'a3' });
    assert.deepEqual(await client.request({ type: 'action', id: 'a4', action: 'declare-missing', fingers: [] }), { type: 'ack', id: 'a4' });
    assert.deepEqual(kiosk.session.acted, [
      { action: 'start' },
      { action: 'choose-language', language: 'uz' },
      { action: 'declare-missing', fingers },
      { action: 'declare-missing', fingers: [] },
    ]);
  });

  it('accepts every action of the contract', async () => {
    const kiosk = await rig();
    const client = await kiosk.connect();
    await client.next('hello');
    const plain = ['start', 'accept-consent', 'decline-consent', 'skip-document', 'retry', 'clear-signature', 'confirm', 'help', 'cancel', 'touch'];
    for (const action of plain) assert.equal((await client.request({ type: 'action', id: action, action })).type, 'ack', action);
    assert.deepEqual(
      kiosk.session.acted.map((action) => action.action),
      plain,
    );
  });

  it('passes an out-of-order refusal through as EORDER naming the state and the allowed actions', async () => {
    const kiosk = await rig();
    kiosk.session.current = snapshotIn('fingerprints');
    const client = await kiosk.connect();
    await client.next('hello');
    kiosk.session.refuseNextAsOutOfOrder();
    assert.deepEqual(await client.request({ type: 'action', id: 'c1', action: 'confirm' }), {
      type: 'error',
      code: 'EORDER',
      message: 'action "confirm" is not allowed in state "fingerprints"; allowed: retry, help, cancel, touch',
      id: 'c1',
      state: 'fingerprints',
      allowedActions: ['retry', 'help', 'cancel', 'touch'],
    });
    assert.equal((await client.request({ type: 'action', id: 'c2', action: 'retry' })).type, 'ack');
  });

  it("passes the session's own EBADMSG refusal through with its message", async () => {
    const kiosk = await rig();
    const client = await kiosk.connect();
    await client.next('hello');
    kiosk.session.refuseNext = new SessionActionError('EBADMSG', 'the document step is not skippable on this booth');
    assert.deepEqual(await client.request({ type: 'action', id: 'd1', action: 'skip-document' }), {
      type: 'error',
      code: 'EBADMSG',
      message: 'the document step is not skippable on this booth',
      id: 'd1',
    });
  });

  it('turns any other failure into EINTERNAL and logs it without the action fields', async () => {
    const kiosk = await rig();
    const client = await kiosk.connect();
    await client.next('hello');
    kiosk.session.refuseNext = new Error('orchestrator bug');
    const fingers = [{ position: 4, reason: 'amputated' }];
    const reply = await client.request({ type: 'action', id: 'e1', action: 'declare-missing', fingers });
    assert.deepEqual(reply, { type: 'error', code: 'EINTERNAL', message: 'internal error: the booth could not handle this action', id: 'e1' });
    const logged = kiosk.logs.find((line) => line.event === 'kiosk.action-failed');
    assert.ok(logged, 'the failure is logged');
    assert.equal(logged.action, 'declare-missing');
    assert.doesNotMatch(JSON.stringify(logged), /amputated|fingers/);
    assert.equal((await client.request({ type: 'action', id: 'e2', action: 'touch' })).type, 'ack', 'the connection still works');
  });
});

describe('kiosk server: malformed messages', () => {
  const cases: Array<{ what: string; frame: string; message: RegExp; id?: string }> = [
    { what: 'malformed JSON', frame: '{"type":', message: /^malformed JSON: / },
    { what: 'an array', frame: '[1,2]', message: /^expected a JSON object, got an array$/ },
    { what: 'a number', frame: '42', message: /^expected a JSON object, got a number$/ },
    { what: 'null', frame: 'null', message: /^expected a JSON object, got null$/ },
    { what: 'no type', frame: '{"id":"x1"}', message: /^type: expected one of action, hello, ping$/, id: 'x1' },
    { what: 'an unknown type', frame: '{"type":"reboot"}', message: /^type: unknown message type "reboot"; expected one of action, hello, ping$/ },
    { what: 'an unknown action', frame: '{"type":"action","id":"x2","action":"unlock-door"}', message: /^action: unknown action "unlock-door"; expected one of start, choose-language, .*touch$/, id: 'x2' },
    { what: 'no action name', frame: '{"type":"action","id":"x3"}', message: /^action: expected an action name; expected one of /, id: 'x3' },
    { what: 'an action without id', frame: '{"type":"action","action":"start"}', message: /^id: / },
    { what: 'an empty id', frame: '{"type":"action","id":"","action":"start"}', message: /^id: expected a string of 1–64 characters$/ },
    { what: 'an id too long', frame: JSON.stringify({ type: 'action', id: 'x'.repeat(65), action: 'start' }), message: /^id: expected a string of 1–64 characters$/ },
    { what: 'a numeric id', frame: '{"type":"action","id":7,"action":"start"}', message: /^id: Invalid input: expected string, received number$/ },
    { what: 'an extra field', frame: '{"type":"action","id":"x4","action":"start","door":"open"}', message: /^\(top level\): Unrecognized key: "door"$/, id: 'x4' },
    { what: 'a missing field', frame: '{"type":"action","id":"x5","action":"choose-language"}', message: /^language: Invalid option: expected one of "ru"\|"uk"/, id: 'x5' },
    { what: 'a language not offered', frame: '{"type":"action","id":"x6","action":"choose-language","language":"xx"}', message: /^language: Invalid option/, id: 'x6' },
    { what: 'fingers not a list', frame: '{"type":"action","id":"x7","action":"declare-missing","fingers":"all"}', message: /^fingers: Invalid input: expected array, received string$/, id: 'x7' },
    { what: 'finger position 11', frame: '{"type":"action","id":"x8","action":"declare-missing","fingers":[{"position":11,"reason":"bandaged"}]}', message: /^fingers\[0\]\.position: expected a finger position 1–10$/, id: 'x8' },
    { what: 'finger position 0', frame: '{"type":"action","id":"x8b","action":"declare-missing","fingers":[{"position":0,"reason":"bandaged"}]}', message: /^fingers\[0\]\.position: expected a finger position 1–10$/, id: 'x8b' },
    { what: 'a fractional position', frame: '{"type":"action","id":"x9","action":"declare-missing","fingers":[{"position":2.5,"reason":"bandaged"}]}', message: /^fingers\[0\]\.position: expected a whole number 1–10$/, id: 'x9' },
    { what: 'an unknown reason', frame: '{"type":"action","id":"x10","action":"declare-missing","fingers":[{"position":3,"reason":"tired"}]}', message: /^fingers\[0\]\.reason: Invalid option: expected one of "amputated"\|"bandaged"\|"unable-to-print"$/, id: 'x10' },
    { what: 'a finger declared twice', frame: '{"type":"action","id":"x11","action":"declare-missing","fingers":[{"position":3,"reason":"bandaged"},{"position":3,"reason":"amputated"}]}', message: /^fingers\[1\]\.position: finger 3 is declared twice$/, id: 'x11' },
    { what: 'an extra field on a finger', frame: '{"type":"action","id":"x12","action":"declare-missing","fingers":[{"position":3,"reason":"bandaged","name":"x"}]}', message: /^fingers\[0\]: Unrecognized key: "name"$/, id: 'x12' },
    {
      what: 'more than 10 fingers',
      frame: JSON.stringify({ type: 'action', id: 'x13', action: 'declare-missing', fingers: Array.from({ length: 11 }, (_, i) => ({ position: (i % 10) + 1, reason: 'bandaged' })) }),
      message: /^fingers: at most 10 fingers/,
      id: 'x13',
    },
    { what: 'a ping without id', frame: '{"type":"ping"}', message: /^id: / },
    { what: 'a hello without protocol', frame: '{"type":"hello"}', message: /^protocol: / },
  ];

  it('refuses each with an EBADMSG naming what is wrong, and the connection keeps working', async () => {
    const kiosk = await rig();
    const client = await kiosk.connect();
    await client.next('hello');
    for (const { what, frame, message, id } of cases) {
      client.send(frame);
      const error = await client.next();
      assert.equal(error.type, 'error', what);
      assert.equal(error.code, 'EBADMSG', what);
      assert.match(String(error.message), message, `${what}: ${String(error.message)}`);
      assert.equal(error.id, id, `${what}: id echoed only when usable`);
      await flush(client);
    }
    assert.deepEqual(kiosk.session.acted, [], 'nothing malformed reached the session');
    assert.equal((await client.request({ type: 'action', id: 'ok', action: 'touch' })).type, 'ack');
  });

  it('refuses binary frames with EBADMSG and keeps the connection', async () => {
    const kiosk = await rig();
    const client = await kiosk.connect();
    await client.next('hello');
    client.socket.send(Buffer.from('{"type":"ping","id":"b"}'), { binary: true });
    const error = await client.next();
    assert.deepEqual(error, { type: 'error', code: 'EBADMSG', message: 'binary frames are not accepted; send JSON text frames' });
    await flush(client);
  });

  it('closes a connection sending an oversized frame with 1009; other clients carry on', async () => {
    const kiosk = await rig({ maxMessageBytes: 16 * 1024 });
    const bystander = await kiosk.connect();
    const client = await kiosk.connect();
    await client.next('hello');
    client.send(JSON.stringify({ type: 'ping', id: 'big', pad: 'x'.repeat(17 * 1024) }));
    assert.equal((await client.closed).code, 1009);
    await flush(bystander);
    assert.equal((await bystander.request({ type: 'action', id: 'after', action: 'touch' })).type, 'ack');
  });
});

describe('kiosk server: session events', () => {
  const quality: QualityFeedback = {
    target: { kind: 'slap', slap: 'right-four', fingers: [2, 3, 4, 5] },
    attempt: 1,
    maxAttempts: 3,
    accepted: false,
    problems: ['low-quality'],
    fingers: [{ position: 2, quality: 31, minimum: 40, ok: false }],
  };

  it('fans state, prompt, quality and ended out to every client, and ended carries the outcome only', async () => {
    const kiosk = await rig();
    const first = await kiosk.connect();
    const second = await kiosk.connect();
    await first.next('hello');
    await second.next('hello');
    const snapshot = snapshotIn('consent', { language: 'ru' });
    kiosk.session.fire('state', snapshot);
    kiosk.session.fire('prompt', { key: 'consent.title', params: { n: 2 }, language: 'ru' });
    kiosk.session.fire('quality', quality);
    kiosk.session.fire('ended', {
      sessionId: '0196b2a4-0000-7000-8000-000000000001',
      outcome: 'completed',
      durationMs: 180_000,
      stepDurationsMs: { consent: 5000 },
      attempts: { 'right-four': 2 },
      quality: { 'right-four': 71 },
      missingFingers: 0,
      committed: true,
    });
    for (const client of [first, second]) {
      assert.deepEqual(await client.next(), { type: 'state', snapshot });
      assert.deepEqual(await client.next(), {
        type: 'prompt',
        key: 'consent.title',
        language: 'ru',
        params: { n: 2 },
        text: 'text of consent.title',
        audio: '/voice/ru/consent.title.ogg',
      });
      assert.deepEqual(await client.next(), { type: 'quality', ...quality });
      assert.deepEqual(await client.next(), { type: 'ended', outcome: 'completed' });
    }
    assert.equal(kiosk.rendered.length, 1, 'a prompt is rendered once, not per client');
  });

  it('still sends a prompt whose rendering fails, with the key as its text, and never throws into the session', async () => {
    const kiosk = await rig({
      renderPrompt: () => {
        throw new Error('no such key');
      },
    });
    const client = await kiosk.connect();
    await client.next('hello');
    assert.doesNotThrow(() => kiosk.session.fire('prompt', { key: 'face.look', params: {}, language: 'tg' }));
    assert.deepEqual(await client.next(), { type: 'prompt', key: 'face.look', language: 'tg', params: {}, text: 'face.look', audio: null });
  });

  it('listens to the session once whatever the number of clients', async () => {
    const kiosk = await rig();
    assert.equal(kiosk.session.listenerTotal(), 5);
    await kiosk.connect();
    await kiosk.connect();
    await kiosk.connect();
    assert.equal(kiosk.session.listenerTotal(), 5);
  });
});

describe('kiosk server: previews', () => {
  const frame = (byte: number, size = 16) => ({
    source: 'fingerprint' as const,
    mime: 'image/png' as const,
    data: new Uint8Array(size).fill(byte),
    fingers: [{ position: 2, quality: 55 }],
  });

  it('sends a preview as base64 with its fingers, at most N per second per client (on the injected clock)', async () => {
    const kiosk = await rig({ previewsPerSecond: 10 });
    const client = await kiosk.connect();
    await client.next('hello');
    for (let i = 0; i < 5; i += 1) kiosk.session.fire('preview', frame(i));
    await flush(client);
    assert.deepEqual(client.received.splice(0), [
      { type: 'preview', source: 'fingerprint', mime: 'image/png', data: Buffer.alloc(16, 0).toString('base64'), fingers: [{ position: 2, quality: 55 }] },
    ]);
    await kiosk.clock.advance(99);
    kiosk.session.fire('preview', frame(5));
    await flush(client);
    assert.equal(client.received.length, 0, 'still within 1/10 s of the last one');
    await kiosk.clock.advance(1);
    kiosk.session.fire('preview', { source: 'camera', mime: 'image/jpeg', data: new Uint8Array([1, 2, 3]) });
    await flush(client);
    assert.deepEqual(client.received.splice(0), [{ type: 'preview', source: 'camera', mime: 'image/jpeg', data: 'AQID', fingers: [] }]);

    // One frame every 20 ms for a second of fake time: 10 get through.
    for (let t = 0; t < 1000; t += 20) {
      await kiosk.clock.advance(20);
      kiosk.session.fire('preview', frame(t % 256));
    }
    await flush(client);
    assert.equal(client.received.filter((m) => m.type === 'preview').length, 10);
    assert.deepEqual(kiosk.server.stats(), { clients: 1, previewsSent: 12, previewsThrottled: 45, previewsBacklogged: 0 });
  });

  it('throttles each client on its own', async () => {
    const kiosk = await rig({ previewsPerSecond: 10 });
    const early = await kiosk.connect();
    await early.next('hello');
    kiosk.session.fire('preview', frame(1));
    await kiosk.clock.advance(50);
    const late = await kiosk.connect();
    await late.next('hello');
    kiosk.session.fire('preview', frame(2));
    await flush(early);
    await flush(late);
    assert.deepEqual(early.received.map((m) => m.data), [Buffer.alloc(16, 1).toString('base64')]);
    assert.deepEqual(late.received.map((m) => m.data), [Buffer.alloc(16, 2).toString('base64')]);
  });

  it('skips previews for a client whose socket is backed up, never state messages', async () => {
    const kiosk = await rig({ previewsPerSecond: 10, previewBufferLimitBytes: 64 * 1024, maxBacklogBytes: 512 * 1024 * 1024 });
    const client = await kiosk.connect();
    await client.next('hello');
    const transport = (client.socket as unknown as { _socket: import('node:net').Socket })._socket;
    transport.pause(); // the screen stops reading: the kernel buffers fill, then the server's
    for (let i = 0; i < 400 && kiosk.server.stats().previewsBacklogged === 0; i += 1) {
      kiosk.session.fire('preview', frame(i % 256, 256 * 1024));
      await kiosk.clock.advance(100); // always past the rate limit: only backpressure can skip
    }
    const stats = kiosk.server.stats();
    assert.ok(stats.previewsBacklogged > 0, 'a preview was skipped for backpressure');
    assert.equal(stats.previewsThrottled, 0);
    const snapshot = snapshotIn('fingerprints', { reason: 'marker' });
    kiosk.session.fire('state', snapshot);
    transport.resume();
    await client.waitUntil(() => client.received.some((m) => m.type === 'state'), 'the state message', 20_000);
    const stateAt = client.received.findIndex((m) => m.type === 'state');
    assert.deepEqual(client.received[stateAt], { type: 'state', snapshot });
    assert.ok(stats.previewsSent > 0);
    assert.equal(stateAt, stats.previewsSent, 'the previews sent before the skip arrived, then the state; none of the skipped ones');
    assert.ok(client.received.slice(0, stateAt).every((m) => m.type === 'preview'));
  });

  it('disconnects a client that stopped reading once its backlog passes the limit; others are unaffected', async () => {
    const kiosk = await rig({ maxBacklogBytes: 1024 * 1024 });
    const stuck = await kiosk.connect();
    const healthy = await kiosk.connect();
    await stuck.next('hello');
    await healthy.next('hello');
    (stuck.socket as unknown as { _socket: import('node:net').Socket })._socket.pause();
    const big = snapshotIn('face', { reason: 'r'.repeat(64 * 1024) });
    for (let i = 0; i < 2000 && kiosk.server.stats().clients === 2; i += 1) {
      kiosk.session.fire('state', big);
      await new Promise((resolve) => setImmediate(resolve));
      healthy.received.splice(0);
    }
    await healthy.waitUntil(() => kiosk.server.stats().clients === 1, 'the stuck client to be dropped');
    assert.ok(kiosk.logs.some((line) => line.event === 'kiosk.client-too-slow'));
    await flush(healthy);
    assert.equal((await healthy.request({ type: 'action', id: 'h', action: 'touch' })).type, 'ack');
  });
});

describe('kiosk server: limits and binding', () => {
  it('refuses a connection beyond maxClients with 1013 and accepts again once one leaves', async () => {
    const kiosk = await rig({ maxClients: 2 });
    const first = await kiosk.connect();
    await kiosk.connect();
    const third = await KioskTestClient.connect(kiosk.socketUrl);
    const closed = await third.closed;
    assert.equal(closed.code, 1013);
    assert.match(closed.reason, /too many kiosk connections \(at most 2\)/);
    assert.equal(third.received.length, 0, 'a refused client gets no hello');
    await first.close();
    await first.waitUntil(() => kiosk.server.stats().clients === 1, 'the server to see the client leave');
    const fourth = await kiosk.connect();
    assert.equal((await fourth.next()).type, 'hello');
  });

  it('listens on 127.0.0.1 only and refuses any other host', async () => {
    const kiosk = await rig();
    assert.match(kiosk.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'localhost', 'booth.local']) {
      assert.throws(
        () => new KioskServer({ ...baseOptions(), host }),
        /expected a loopback address \(127\.0\.0\.0\/8 or ::1\)/,
        host,
      );
    }
    const external = Object.values(networkInterfaces())
      .flat()
      .find((address) => address && address.family === 'IPv4' && !address.internal);
    if (external) {
      const port = kiosk.server.port;
      await assert.rejects(KioskTestClient.connect(`ws://${external.address}:${port}/kiosk/v1`), /ECONNREFUSED/);
    }
  });

  it('refuses the socket on another path (404) and to a page of another origin (403)', async () => {
    const kiosk = await rig();
    await assert.rejects(KioskTestClient.connect(kiosk.socketUrl.replace('/kiosk/v1', '/kiosk/v2')), /HTTP 404/);
    await assert.rejects(KioskTestClient.connect(kiosk.socketUrl, { origin: 'http://evil.example' }), /HTTP 403/);
    await assert.rejects(KioskTestClient.connect(kiosk.socketUrl, { origin: 'null' }), /HTTP 403/);
    const own = await KioskTestClient.connect(kiosk.socketUrl, { origin: kiosk.url });
    assert.equal((await own.next()).type, 'hello');
    await own.close();
  });

  it('stop() closes every client with 1001 and removes its session listeners', async () => {
    const session = new FakeSession();
    const server = new KioskServer({ ...baseOptions(), session });
    const url = await server.start();
    assert.equal(session.listenerTotal(), 5);
    const clients = [await KioskTestClient.connect(`${url.replace('http', 'ws')}/kiosk/v1`), await KioskTestClient.connect(`${url.replace('http', 'ws')}/kiosk/v1`)];
    await server.stop();
    for (const client of clients) assert.equal((await client.closed).code, 1001);
    assert.equal(session.listenerTotal(), 0);
    assert.equal(server.stats().clients, 0);
    await assert.rejects(KioskTestClient.connect(`${url.replace('http', 'ws')}/kiosk/v1`), /ECONNREFUSED/);
    await server.stop(); // idempotent
  });
});

function baseOptions() {
  return {
    session: new FakeSession(),
    host: '127.0.0.1',
    port: 0,
    boothId: 'booth-7',
    languages: () => [],
    renderPrompt: () => ({ text: '' }),
    clock: new FakeClock(),
    logger: memoryLogger().logger,
  };
}

