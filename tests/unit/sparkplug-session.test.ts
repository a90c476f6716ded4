/** Topics, primary host STATE parsing, the metric model, the session store and the command decoder. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeCommand } from '../../protocols/sparkplug/command-decoder.ts';
import { DataType } from '../../protocols/sparkplug/datatypes.ts';
import { parseHostState } from '../../protocols/sparkplug/host-state.ts';
import { EdgeModel } from '../../protocols/sparkplug/metric-model.ts';
import { encodePayload } from '../../protocols/sparkplug/payload.ts';
import { SessionStore } from '../../protocols/sparkplug/session-store.ts';
import { edgeTopic, parseTopic, stateTopic } from '../../protocols/sparkplug/topics.ts';
import { mulberry32 } from '../../simulator/imaging/random.ts';

describe('Sparkplug topics', () => {
  it('builds and parses the namespace', () => {
    assert.equal(edgeTopic('g', 'NBIRTH', 'n'), 'spBv1.0/g/NBIRTH/n');
    assert.equal(edgeTopic('g', 'DDATA', 'n', 'd'), 'spBv1.0/g/DDATA/n/d');
    assert.equal(stateTopic('h'), 'spBv1.0/STATE/h');
    assert.deepEqual(parseTopic('spBv1.0/g/DCMD/n/d'), { kind: 'edge', group: 'g', type: 'DCMD', node: 'n', device: 'd' });
    assert.deepEqual(parseTopic('spBv1.0/STATE/h'), { kind: 'state', host: 'h' });
    for (const bad of ['spBv1.0/g/NCMD/n/d', 'spBv1.0/g/DCMD/n', 'spBv1.0/g/XCMD/n', 'spAv1.0/g/NCMD/n', 'spBv1.0/g/NCMD/n/d/e']) {
      assert.equal(parseTopic(bad), undefined, bad);
    }
    assert.throws(() => edgeTopic('g', 'DDATA', 'n'), /needs device id/);
  });
});

describe('primary host STATE', () => {
  it('accepts the 3.0 JSON and names what is wrong otherwise', () => {
    assert.deepEqual(parseHostState(Buffer.from('{"online":true,"timestamp":5}')), { ok: true, online: true, timestamp: 5 });
    const cases: Array<[string | Buffer, RegExp]> = [
      ['ONLINE', /not UTF-8 JSON/],
      ['[1]', /not a JSON object/],
      ['{"online":"yes","timestamp":1}', /"online" must be true or false/],
      ['{"online":true}', /"timestamp" must be a number/],
      [Buffer.from([0xff, 0xfe]), /not UTF-8 JSON/],
      ['x'.repeat(2000), /too large/],
    ];
    for (const [payload, expected] of cases) {
      const parsed = parseHostState(Buffer.from(payload));
      assert.equal(parsed.ok, false);
      assert.match(parsed.ok ? '' : parsed.reason, expected);
    }
  });
});

describe('metric model', () => {
  it('gives unique aliases across node and devices, and DATA carries only coalesced changes', () => {
    const model = new EdgeModel();
    model.node.define('Node/Uptime s', DataType.Int64, 0n, 1);
    const door = model.defineDevice('door');
    door.define('Door/Locked', DataType.Boolean, false, 1, { writable: true });
    door.define('Door/Open', DataType.Boolean, false, 1);
    const aliases = [model.node.get('Node/Uptime s')!.alias, door.get('Door/Locked')!.alias, door.get('Door/Open')!.alias];
    assert.equal(new Set(aliases).size, 3);
    model.setDeviceOnline('door', true);
    let changed = 0;
    model.on('changed', () => void (changed += 1));
    model.setDeviceMetric('door', 'Door/Locked', true, 10);
    model.setDeviceMetric('door', 'Door/Locked', false, 11);
    model.setDeviceMetric('door', 'Door/Locked', true, 12);
    model.setDeviceMetric('door', 'Door/Open', false, 13); // unchanged: nothing to send
    assert.equal(changed, 3);
    assert.deepEqual(door.takeChanges(), [{ alias: aliases[1], datatype: DataType.Boolean, timestamp: 12, value: true, omitDatatype: true }]);
    assert.deepEqual(door.takeChanges(), []);
    assert.throws(() => door.define('Door/Open', DataType.Boolean, false, 1), /defined twice/);
  });
});

describe('session store', () => {
  it('persists bdSeq across restarts and wraps at 256', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spb-'));
    try {
      const path = join(dir, 'sparkplug.db');
      let store = new SessionStore(path, { maxBytes: 1e6, maxAgeMs: 1e9 });
      assert.deepEqual([store.nextBdSeq(), store.nextBdSeq()], [0, 1]);
      store.close();
      store = new SessionStore(path, { maxBytes: 1e6, maxAgeMs: 1e9 });
      assert.equal(store.nextBdSeq(), 2);
      for (let i = 3; i < 256; i += 1) store.nextBdSeq();
      assert.equal(store.nextBdSeq(), 0, 'bdSeq wraps after 255');
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps DATA in order, drops the oldest beyond the byte limit and the expired beyond the age limit', () => {
    const store = new SessionStore(':memory:', { maxBytes: 300, maxAgeMs: 1000 });
    for (let i = 0; i < 5; i += 1) store.store(i % 2 ? 'door' : undefined, new Uint8Array(100).fill(i), 100 + i);
    assert.deepEqual(store.stats(), { pending: 3, pendingBytes: 300, dropped: 2 });
    const kept = store.peek(10, 200);
    assert.deepEqual(kept.map((m) => m.payload[0]), [2, 3, 4]);
    assert.deepEqual(kept.map((m) => m.device), [undefined, 'door', undefined]);
    store.remove(kept[0]!.id);
    assert.deepEqual(store.peek(10, 1104).map((m) => m.payload[0]), [4], 'entries older than maxAgeMs expire');
    assert.equal(store.stats().dropped, 3);
    store.close();
  });
});

describe('command decoder', () => {
  const model = new EdgeModel();
  const door = model.defineDevice('door');
  door.define('Door/Locked', DataType.Boolean, false, 1, { writable: true });
  door.define('Door/Open', DataType.Boolean, false, 1);
  const lights = model.defineDevice('lights');
  lights.define('Light/key', DataType.Double, 0, 1, { writable: true });
  const cmd = (metrics: Parameters<typeof encodePayload>[0]['metrics']) => encodePayload({ timestamp: 1, metrics });

  it('accepts named or aliased commands, typed by the model when the datatype is left out', () => {
    const named = decodeCommand('DCMD', 'door', cmd([{ name: 'Door/Locked', datatype: DataType.Boolean, value: true }]), model, 65_536);
    assert.deepEqual(named, { ok: true, batch: { device: 'door', commands: [{ name: 'Door/Locked', datatype: DataType.Boolean, value: true }] } });
    const alias = lights.get('Light/key')!.alias;
    const aliased = decodeCommand('DCMD', 'lights', cmd([{ alias, datatype: DataType.Double, value: 42.5, omitDatatype: true }]), model, 65_536);
    assert.deepEqual(aliased, { ok: true, batch: { device: 'lights', commands: [{ name: 'Light/key', datatype: DataType.Double, value: 42.5 }] } });
    const rebirth = decodeCommand('NCMD', undefined, cmd([{ name: 'Node Control/Rebirth', datatype: DataType.Boolean, value: true }]), model, 65_536);
    assert.deepEqual(rebirth, { ok: true, batch: { commands: [{ name: 'Node Control/Rebirth', datatype: DataType.Boolean, value: true }] } });
  });

  it('never throws and never accepts a command it does not fully understand (fuzz)', () => {
    const random = mulberry32(2026);
    const valid = cmd([{ name: 'Door/Locked', datatype: DataType.Boolean, value: true }]);
    let accepted = 0;
    for (let i = 0; i < 6000; i += 1) {
      let bytes: Uint8Array;
      if (i < 3000) {
        bytes = Uint8Array.from({ length: Math.floor(random() * 64) }, () => Math.floor(random() * 256));
      } else {
        bytes = Uint8Array.from(valid);
        const flips = 1 + Math.floor(random() * 4);
        for (let f = 0; f < flips; f += 1) bytes[Math.floor(random() * bytes.length)]! ^= 1 << Math.floor(random() * 8);
        if (random() < 0.3) bytes = bytes.subarray(0, Math.floor(random() * bytes.length));
      }
      const result = decodeCommand('DCMD', 'door', bytes, model, 65_536);
      if (!result.ok) {
        assert.equal(typeof result.reason, 'string');
        assert.ok(result.reason.length > 0);
        continue;
      }
      accepted += 1;
      // Whatever got through names a writable metric of the door with a value of its type.
      for (const command of result.batch.commands) {
        assert.equal(command.name, 'Door/Locked');
        assert.equal(typeof command.value, 'boolean');
      }
    }
    assert.ok(accepted < 6000);
  });
});
