import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sendControlCommand } from '../../runtime/control/control-client.ts';
import { ControlServer } from '../../runtime/control/control-server.ts';
import { memoryLogger } from '../support/memory-logger.ts';

describe('control socket', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ctl-'));
  const server = new ControlServer(join(dir, 'boothd.sock'), memoryLogger().logger);
  server.register('echo', 'returns its args', (args) => args);
  server.register('fail', 'always fails', () => {
    throw Object.assign(new Error('lock refused: fire alarm is active'), { code: 'EREFUSED' });
  });

  before(() => server.start());
  after(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('is a socket only its owner can use', () => {
    const stat = statSync(server.path);
    assert.ok(stat.isSocket());
    assert.equal(stat.mode & 0o777, 0o600);
  });

  it('answers a request with its id and result', async () => {
    assert.deepEqual(await sendControlCommand(server.path, 'echo', { a: 1 }), { id: 1, ok: true, result: { a: 1 } });
  });

  it('reports handler errors with message and code', async () => {
    assert.deepEqual(await sendControlCommand(server.path, 'fail'), {
      id: 1,
      ok: false,
      error: 'lock refused: fire alarm is active',
      code: 'EREFUSED',
    });
  });

  it('names what is wrong with malformed requests', async () => {
    const cases: Array<[string, RegExp]> = [
      ['{not json', /^malformed request: not JSON/],
      ['[1,2]', /^malformed request: expected a JSON object/],
      ['{"id":1}', /"command" must be a non-empty string/],
      ['{"command":"echo","args":[1]}', /"args" must be an object/],
      ['{"command":"echo","id":{}}', /"id" must be a string or a number/],
      ['{"command":"reboot-everything"}', /^unknown command "reboot-everything"; known: echo, fail, help$/],
    ];
    for (const [line, expected] of cases) {
      const answer = await server.handleLine(line);
      assert.equal(answer.ok, false, line);
      assert.match(String(answer.error), expected, line);
    }
  });

  it('answers several requests on one connection, in order, and survives garbage between them', async () => {
    const answers = await new Promise<string[]>((resolve, reject) => {
      const socket = createConnection(server.path);
      let buffered = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        buffered += chunk;
        const lines = buffered.split('\n').filter((line) => line !== '');
        if (lines.length === 3) {
          socket.end();
          resolve(lines);
        }
      });
      socket.on('error', reject);
      socket.write('{"id":"a","command":"echo","args":{"n":1}}\n\u0000\u00ff garbage\n{"id":"b","command":"help"}\n');
      setTimeout(() => reject(new Error('no three answers within 5 s')), 5000).unref();
    });
    const parsed = answers.map((line) => JSON.parse(line) as { id?: string; ok: boolean });
    const byId = new Map(parsed.map((answer) => [answer.id ?? 'none', answer]));
    assert.equal(byId.get('a')?.ok, true);
    assert.equal(byId.get('b')?.ok, true);
    assert.equal(byId.get('none')?.ok, false);
  });
});
