/** The kiosk server's static files: UI, catalogues, voice — and nothing else on the disk. */
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startKioskRig, type KioskRig } from '../support/kiosk-rig.ts';

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Sends the request line exactly as written: no client library gets to normalise the path. */
function rawRequest(port: number, method: string, target: string): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer to ${method} ${target} within 5 s`));
    }, 5000);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split(/\r\n\r\n(.*)/s);
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
    });
    socket.write(`${method} ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  });
}

describe('kiosk static files', () => {
  let kiosk: KioskRig;
  const get = (target: string, method = 'GET') => rawRequest(kiosk.server.port, method, target);

  before(async () => {
    kiosk = await startKioskRig();
    // A symlink out of the UI folder, one inside it, and a hidden file.
    symlinkSync(join(kiosk.dir, 'secret.txt'), join(kiosk.dir, 'ui/leak.txt'));
    symlinkSync(join(kiosk.dir), join(kiosk.dir, 'ui/up'));
    symlinkSync(join(kiosk.dir, 'ui/app.js'), join(kiosk.dir, 'ui/alias.js'));
    writeFileSync(join(kiosk.dir, 'ui/.env'), 'HIDDEN');
    mkdirSync(join(kiosk.dir, 'ui/empty'));
  });
  after(() => kiosk.stop());

  it('serves index.html for / and files with their content types', async () => {
    const index = await get('/');
    assert.equal(index.status, 200);
    assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(index.headers['x-content-type-options'], 'nosniff');
    assert.equal(index.body, '<!doctype html><title>booth</title>');
    const script = await get('/app.js?v=3');
    assert.equal(script.status, 200);
    assert.equal(script.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(script.body, 'console.log("booth");');
    const folder = await get('/sub/');
    assert.equal(folder.body, '<p>sub</p>');
    assert.equal((await get('/alias.js')).body, 'console.log("booth");', 'a symlink that stays inside is fine');
  });

  it('answers HEAD with the headers and no body', async () => {
    const head = await get('/app.js', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], String(Buffer.byteLength('console.log("booth");')));
    assert.equal(head.body, '');
  });

  it('serves /i18n/<lang>.json from the catalogue folder, for interface languages only', async () => {
    const catalogue = await get('/i18n/en.json');
    assert.equal(catalogue.status, 200);
    assert.equal(catalogue.headers['content-type'], 'application/json; charset=utf-8');
    assert.deepEqual(JSON.parse(catalogue.body), { 'idle.start': 'Start' });
    assert.equal((await get('/i18n/ru.json')).status, 404, 'a language with no catalogue yet');
    assert.equal((await get('/i18n/xx.json')).status, 404, 'not an interface language');
    assert.equal((await get('/i18n/')).status, 404);
    assert.equal((await get('/i18n/en/extra.json')).status, 404);
  });

  it('serves /voice/... from the voice folder', async () => {
    const voice = await get('/voice/ru/welcome.ogg');
    assert.equal(voice.status, 200);
    assert.equal(voice.headers['content-type'], 'audio/ogg');
    assert.equal(voice.body, 'OggS-not-really');
  });

  it('answers 404 with a plain message for what is not there', async () => {
    for (const target of ['/missing.js', '/sub', '/empty/', '/voice/ru/missing.ogg']) {
      const answer = await get(target);
      assert.equal(answer.status, 404, target);
      assert.equal(answer.headers['content-type'], 'text/plain; charset=utf-8', target);
      assert.equal(answer.body, 'not found\n', target);
    }
  });

  it('answers 405 with Allow for anything but GET and HEAD', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
      const answer = await get('/', method);
      assert.equal(answer.status, 405, method);
      assert.equal(answer.headers.allow, 'GET, HEAD', method);
      assert.match(answer.body, /method not allowed/);
    }
  });

  it('answers 426 to a plain GET of the socket path', async () => {
    const answer = await get('/kiosk/v1');
    assert.equal(answer.status, 426);
    assert.match(answer.body, /WebSocket/);
  });

  it('refuses every way out of its folders: .. (raw and encoded), encoded slashes, symlinks, hidden files', async () => {
    const attempts = [
      '/../secret.txt',
      '/sub/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/%2E%2E/secret.txt',
      '/..%2fsecret.txt',
      '/sub/..%2f..%2fsecret.txt',
      '/sub%2f..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/i18n/..%2f..%2fsecret.txt',
      '/i18n/../secret.txt',
      '/voice/../secret.txt',
      '/voice/ru/../../secret.txt',
      '/leak.txt',
      '/up/secret.txt',
      '/.env',
      '/%00',
      '//secret.txt',
      '/%zz',
    ];
    for (const target of attempts) {
      const answer = await get(target);
      assert.equal(answer.status, 404, target);
      assert.doesNotMatch(answer.body, /TOP-SECRET|HIDDEN/, target);
    }
  });

  it('answers 404 under /voice/ when the booth has no voice folder', async () => {
    const noVoice = await startKioskRig({ voiceDir: undefined });
    try {
      assert.equal((await rawRequest(noVoice.server.port, 'GET', '/voice/ru/welcome.ogg')).status, 404);
    } finally {
      await noVoice.stop();
    }
  });
});
