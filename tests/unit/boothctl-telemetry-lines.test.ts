import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { renderTelemetryLine, TelemetryFormatter, type TelemetryLine } from '../../runtime/boothctl/telemetry-lines.ts';
import { DataType } from '../../protocols/sparkplug/datatypes.ts';
import { encodeHostState } from '../../protocols/sparkplug/host-state.ts';
import { encodePayload, type SparkplugMetric } from '../../protocols/sparkplug/payload.ts';
import { edgeTopic, stateTopic } from '../../protocols/sparkplug/topics.ts';

const GROUP = 'mmc-moscow';
const BOOTH = 'booth-01';
const T = Date.UTC(2026, 10, 3, 12, 34, 56, 789);
const RECEIVED = Date.UTC(2026, 10, 3, 12, 0, 0, 1);

const formatter = (device?: string) =>
  new TelemetryFormatter(device === undefined ? { boothId: BOOTH, group: GROUP } : { boothId: BOOTH, group: GROUP, device });

const bytes = (metrics: SparkplugMetric[], extra: { timestamp?: number; seq?: number } = { timestamp: T, seq: 1 }) =>
  encodePayload({ ...extra, metrics });

/** Formats one message and expects exactly one line. */
function one(f: TelemetryFormatter, topic: string, payload: Uint8Array, receivedAt = RECEIVED): TelemetryLine {
  const lines = f.format(topic, payload, receivedAt);
  assert.equal(lines.length, 1, `one line for ${topic}, got ${JSON.stringify(lines, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))}`);
  return lines[0]!;
}

const NBIRTH = edgeTopic(GROUP, 'NBIRTH', BOOTH);
const NDATA = edgeTopic(GROUP, 'NDATA', BOOTH);
const NDEATH = edgeTopic(GROUP, 'NDEATH', BOOTH);
const NCMD = edgeTopic(GROUP, 'NCMD', BOOTH);
const DBIRTH = (device: string) => edgeTopic(GROUP, 'DBIRTH', BOOTH, device);
const DDATA = (device: string) => edgeTopic(GROUP, 'DDATA', BOOTH, device);
const DDEATH = (device: string) => edgeTopic(GROUP, 'DDEATH', BOOTH, device);
const DCMD = (device: string) => edgeTopic(GROUP, 'DCMD', BOOTH, device);

const nbirth = () =>
  bytes(
    [
      { name: 'bdSeq', datatype: DataType.Int64, value: 3n },
      { name: 'Node Control/Rebirth', datatype: DataType.Boolean, value: false },
      { name: 'Node/Uptime s', alias: 1n, datatype: DataType.Int64, value: 5n },
      { name: 'Safety/Door Guard', alias: 2n, datatype: DataType.String, value: 'released' },
      { name: 'Node/Event Loop Lag p99 ms', alias: 3n, datatype: DataType.Double, value: 1.5 },
    ],
    { timestamp: T, seq: 0 },
  );

const doorBirth = () =>
  bytes([
    { name: 'Door/Locked', alias: 10n, datatype: DataType.Boolean, value: false },
    { name: 'Door/Open', alias: 11n, datatype: DataType.Boolean, value: true },
    { name: 'Door/Forced Count', alias: 12n, datatype: DataType.UInt32, value: 0 },
  ]);

const lightsBirth = () =>
  bytes([
    { name: 'Light/Scene', alias: 20n, datatype: DataType.String, value: 'idle' },
    { name: 'Light/ceiling', alias: 21n, datatype: DataType.Double, value: 0 },
  ]);

describe('TelemetryFormatter: births and alias resolution', () => {
  it('an NBIRTH says how many metrics it carries and shows them', () => {
    const line = one(formatter(), NBIRTH, nbirth());
    assert.equal(line.verb, 'NBIRTH');
    assert.equal(line.at, T);
    assert.equal(line.seq, 0);
    assert.equal(line.device, undefined);
    assert.match(line.text, /^5 metrics: /);
    assert.match(line.text, /bdSeq=3 /);
    assert.match(line.text, /"Safety\/Door Guard"=released/);
    assert.deepEqual(
      line.metrics.map((metric) => metric.name),
      ['bdSeq', 'Node Control/Rebirth', 'Node/Uptime s', 'Safety/Door Guard', 'Node/Event Loop Lag p99 ms'],
    );
  });

  it('NDATA carrying only aliases is named and typed from the NBIRTH seen before', () => {
    const f = formatter();
    f.format(NBIRTH, nbirth(), RECEIVED);
    const line = one(
      f,
      NDATA,
      bytes(
        [
          { alias: 1n, datatype: DataType.Int64, value: 65n, omitDatatype: true },
          { alias: 2n, datatype: DataType.String, value: 'locked', omitDatatype: true },
        ],
        { timestamp: T + 1000, seq: 7 },
      ),
    );
    assert.equal(line.verb, 'NDATA');
    assert.equal(line.seq, 7);
    assert.equal(line.at, T + 1000);
    assert.deepEqual(line.metrics, [
      { name: 'Node/Uptime s', value: 65n },
      { name: 'Safety/Door Guard', value: 'locked' },
    ]);
    assert.equal(line.text, '"Node/Uptime s"=65 "Safety/Door Guard"=locked');
  });

  it('an alias whose birth was not seen is shown as "alias N"', () => {
    const line = one(formatter(), NDATA, bytes([{ alias: 7n, datatype: DataType.Int64, value: 65n, omitDatatype: true }]));
    assert.equal(line.metrics[0]!.name, 'alias 7');
    assert.equal(line.text, '"alias 7"=65');
  });

  it('a value sent without datatype is read as the datatype its BIRTH declared', () => {
    const f = formatter();
    f.format(
      NBIRTH,
      bytes([
        { name: 'Test/Offset', alias: 30n, datatype: DataType.Int32, value: 0 },
        { name: 'Test/When', alias: 31n, datatype: DataType.DateTime, value: 0 },
      ]),
      RECEIVED,
    );
    const line = one(
      f,
      NDATA,
      bytes([
        { alias: 30n, datatype: DataType.Int32, value: -5, omitDatatype: true },
        { alias: 31n, datatype: DataType.DateTime, value: T, omitDatatype: true },
      ]),
    );
    // On the wire -5 as Int32 is 4294967291 in a uint32 and DateTime a uint64: both need the birth.
    assert.deepEqual(line.metrics, [
      { name: 'Test/Offset', value: -5 },
      { name: 'Test/When', value: T },
    ]);
    assert.equal(line.text, `Test/Offset=-5 Test/When=${new Date(T).toISOString()}`);
  });

  it('payload without a timestamp is dated when it was received', () => {
    const f = formatter();
    const line = one(f, NDATA, bytes([{ name: 'Node/Devices Ready', datatype: DataType.UInt32, value: 4 }], {}));
    assert.equal(line.at, RECEIVED);
    assert.equal(line.seq, undefined);
    assert.equal(line.text, '"Node/Devices Ready"=4');
  });

  it('a null metric is shown as null', () => {
    const line = one(formatter(), NDATA, bytes([{ name: 'Info/Model', datatype: DataType.String, isNull: true }]));
    assert.deepEqual(line.metrics, [{ name: 'Info/Model', value: null }]);
    assert.equal(line.text, 'Info/Model=null');
  });
});

describe('TelemetryFormatter: devices and the device filter', () => {
  it('without a filter, every device of the booth is shown, named from its own DBIRTH', () => {
    const f = formatter();
    const birth = one(f, DBIRTH('door'), doorBirth());
    assert.equal(birth.verb, 'DBIRTH');
    assert.equal(birth.device, 'door');
    assert.match(birth.text, /^3 metrics: Door\/Locked=false Door\/Open=true "Door\/Forced Count"=0$/);
    one(f, DBIRTH('lights'), lightsBirth());
    const door = one(f, DDATA('door'), bytes([{ alias: 10n, datatype: DataType.Boolean, value: true, omitDatatype: true }]));
    assert.equal(door.device, 'door');
    assert.equal(door.text, 'Door/Locked=true');
    const lights = one(f, DDATA('lights'), bytes([{ alias: 20n, datatype: DataType.String, value: 'welcome', omitDatatype: true }]));
    assert.equal(lights.device, 'lights');
    assert.equal(lights.text, 'Light/Scene=welcome');
    // Aliases are looked up in the device's own table: lights' alias 20 means nothing for the door.
    const stray = one(f, DDATA('door'), bytes([{ alias: 20n, datatype: DataType.String, value: 'x', omitDatatype: true }]));
    assert.equal(stray.metrics[0]!.name, 'alias 20');
  });

  it('with a filter, only that device (plus NDEATH and STATE) is shown', () => {
    const f = formatter('door');
    assert.equal(one(f, DBIRTH('door'), doorBirth()).device, 'door');
    assert.deepEqual(f.format(DBIRTH('lights'), lightsBirth(), RECEIVED), []);
    assert.deepEqual(f.format(DDATA('lights'), bytes([{ alias: 20n, datatype: DataType.String, value: 'x', omitDatatype: true }]), RECEIVED), []);
    assert.deepEqual(f.format(NDATA, bytes([{ name: 'Node/Devices Ready', datatype: DataType.UInt32, value: 4 }]), RECEIVED), []);
    assert.equal(one(f, DDATA('door'), bytes([{ alias: 11n, datatype: DataType.Boolean, value: false, omitDatatype: true }])).text, 'Door/Open=false');
    assert.equal(one(f, DDEATH('door'), bytes([])).text, 'device offline');
    assert.equal(one(f, NDEATH, bytes([{ name: 'bdSeq', datatype: DataType.Int64, value: 3n }], { timestamp: T })).verb, 'NDEATH');
    assert.equal(one(f, stateTopic('scada'), encodeHostState(false, T)).verb, 'STATE');
  });

  it('a filtered-out NBIRTH still starts a new session: stale device aliases are forgotten', () => {
    const f = formatter('door');
    f.format(DBIRTH('door'), doorBirth(), RECEIVED);
    const data = () => bytes([{ alias: 10n, datatype: DataType.Boolean, value: true, omitDatatype: true }]);
    assert.equal(one(f, DDATA('door'), data()).metrics[0]!.name, 'Door/Locked');
    assert.deepEqual(f.format(NBIRTH, nbirth(), RECEIVED), []);
    assert.equal(one(f, DDATA('door'), data()).metrics[0]!.name, 'alias 10');
  });

  it('messages of another booth or group, or outside Sparkplug, are ignored', () => {
    const f = formatter();
    assert.deepEqual(f.format(edgeTopic(GROUP, 'NBIRTH', 'booth-02'), nbirth(), RECEIVED), []);
    assert.deepEqual(f.format(edgeTopic('other-group', 'NBIRTH', BOOTH), nbirth(), RECEIVED), []);
    assert.deepEqual(f.format(edgeTopic(GROUP, 'DDATA', 'booth-02', 'door'), doorBirth(), RECEIVED), []);
    assert.deepEqual(f.format('captures/booth-01/chunk', new Uint8Array([1, 2, 3]), RECEIVED), []);
    // Another booth's garbage is not ours to report either.
    assert.deepEqual(f.format(edgeTopic(GROUP, 'NDATA', 'booth-02'), new Uint8Array([0x0a, 0xff]), RECEIVED), []);
    // And another booth's birth did not teach us aliases.
    const line = one(f, NDATA, bytes([{ alias: 1n, datatype: DataType.Int64, value: 1n, omitDatatype: true }]));
    assert.equal(line.metrics[0]!.name, 'alias 1');
  });
});

describe('TelemetryFormatter: deaths, commands, STATE, historical', () => {
  it('NDEATH shows the bdSeq', () => {
    const line = one(formatter(), NDEATH, bytes([{ name: 'bdSeq', datatype: DataType.Int64, value: 42n }], { timestamp: T }));
    assert.equal(line.verb, 'NDEATH');
    assert.equal(line.text, 'node offline  bdSeq=42');
    assert.deepEqual(line.metrics, [{ name: 'bdSeq', value: 42n }]);
  });

  it('NDEATH without a bdSeq says so', () => {
    assert.equal(one(formatter(), NDEATH, bytes([], { timestamp: T })).text, 'node offline  no bdSeq');
  });

  it('NCMD and DCMD show the commanded metrics', () => {
    const f = formatter();
    f.format(DBIRTH('door'), doorBirth(), RECEIVED);
    const ncmd = one(f, NCMD, bytes([{ name: 'Node Control/Rebirth', datatype: DataType.Boolean, value: true }], { timestamp: T }));
    assert.equal(ncmd.verb, 'NCMD');
    assert.equal(ncmd.text, 'set "Node Control/Rebirth"=true');
    const dcmd = one(f, DCMD('door'), bytes([{ alias: 10n, datatype: DataType.Boolean, value: false, omitDatatype: true }], { timestamp: T }));
    assert.equal(dcmd.verb, 'DCMD');
    assert.equal(dcmd.device, 'door');
    assert.equal(dcmd.text, 'set Door/Locked=false');
    assert.deepEqual(dcmd.metrics, [{ name: 'Door/Locked', value: false }]);
  });

  it('STATE shows the primary host online or offline, dated by its timestamp', () => {
    const f = formatter();
    const online = one(f, stateTopic('scada-1'), encodeHostState(true, T));
    assert.equal(online.verb, 'STATE');
    assert.equal(online.at, T);
    assert.equal(online.text, 'primary host scada-1 online');
    assert.deepEqual(online.metrics, [{ name: 'online', value: true }]);
    const offline = one(f, stateTopic('scada-1'), encodeHostState(false, T + 5));
    assert.equal(offline.text, 'primary host scada-1 offline');
    assert.equal(offline.at, T + 5);
  });

  it('a STATE that is not the JSON of the spec gives a BAD line', () => {
    const line = one(formatter(), stateTopic('scada-1'), new TextEncoder().encode('ONLINE'));
    assert.equal(line.verb, 'BAD');
    assert.match(line.text, /STATE of primary host scada-1: STATE payload is not UTF-8 JSON/);
    assert.equal(line.at, RECEIVED);
  });

  it('historical metrics are marked, live ones are not', () => {
    const f = formatter();
    f.format(DBIRTH('door'), doorBirth(), RECEIVED);
    const line = one(
      f,
      DDATA('door'),
      bytes([
        { alias: 10n, datatype: DataType.Boolean, value: true, omitDatatype: true, isHistorical: true, timestamp: T - 60_000 },
        { alias: 11n, datatype: DataType.Boolean, value: false, omitDatatype: true },
      ]),
    );
    assert.deepEqual(line.metrics, [
      { name: 'Door/Locked', value: true, historical: true },
      { name: 'Door/Open', value: false },
    ]);
    assert.equal(line.text, 'Door/Locked=true (historical) Door/Open=false');
  });
});

describe('TelemetryFormatter: binary values and bad payloads', () => {
  // Recognisable content: none of it may reach the text, the line or the rendered output.
  const secret = new Uint8Array(123);
  secret.set(new TextEncoder().encode('FINGERPRINT-WSQ'), 0);
  secret.set([0xde, 0xad, 0xbe, 0xef], 20);

  const assertNoSecret = (line: TelemetryLine) => {
    const everything = [
      line.text,
      renderTelemetryLine(line, { colour: false, timeZone: 'utc' }),
      JSON.stringify(line, (_, v) => (typeof v === 'bigint' ? String(v) : v)),
    ];
    for (const text of everything) {
      assert.doesNotMatch(text, /FINGERPRINT|deadbeef|de ?ad ?be ?ef|222,173|3q2\+7w/i);
    }
    for (const metric of line.metrics) assert.ok(!(metric.value instanceof Uint8Array), `${metric.name} must not carry raw bytes`);
  };

  it('a Bytes metric is summarised as its size, never printed', () => {
    const line = one(formatter(), DBIRTH('camera'), bytes([{ name: 'Capture/Preview', alias: 40n, datatype: DataType.Bytes, value: secret }]));
    assert.equal(line.text, '1 metric: Capture/Preview=[123 bytes]');
    assert.deepEqual(line.metrics[0]!.value, { binary: 'Bytes', byteLength: 123 });
    assertNoSecret(line);
  });

  it('bytes of an alias without its birth are summarised too', () => {
    const line = one(formatter(), DDATA('camera'), bytes([{ alias: 40n, datatype: DataType.Bytes, value: secret, omitDatatype: true }]));
    assert.equal(line.text, '"alias 40"=[123 bytes]');
    assertNoSecret(line);
  });

  it('File and packed-array values say their type and size', () => {
    const floats = new Uint8Array(new Float32Array([1.5, 2.5]).buffer);
    const line = one(
      formatter(),
      DDATA('camera'),
      bytes([
        { name: 'Capture/File', datatype: DataType.File, value: secret },
        { name: 'Capture/Levels', datatype: DataType.FloatArray, value: floats },
      ]),
    );
    assert.equal(line.text, 'Capture/File=[File, 123 bytes] Capture/Levels=[FloatArray, 8 bytes]');
    assertNoSecret(line);
  });

  it('a payload that does not decode gives one BAD line with the decoder\'s message', () => {
    const line = one(formatter(), DDATA('door'), new Uint8Array([0x0a, 0xff]));
    assert.equal(line.verb, 'BAD');
    assert.equal(line.device, 'door');
    assert.equal(line.at, RECEIVED);
    assert.match(line.text, /^DDATA: not a Sparkplug payload: index out of range/);
    assert.deepEqual(line.metrics, []);
  });

  it('a DataSet metric (which the codec does not carry) is a BAD line, not a crash', () => {
    // Payload.metrics (2) { name (1) "Table", datatype (4) DataSet, dataset_value (17) {} }
    const name = [...new TextEncoder().encode('Table')];
    const metric = [0x0a, name.length, ...name, 0x20, DataType.DataSet, 0x8a, 0x01, 0x00];
    const line = one(formatter(), NDATA, new Uint8Array([0x12, metric.length, ...metric]));
    assert.equal(line.verb, 'BAD');
    assert.match(line.text, /DataSet is not supported/);
  });

  it('after a BAD line the formatter goes on', () => {
    const f = formatter();
    assert.equal(one(f, NBIRTH, new Uint8Array([0xff, 0xff, 0xff])).verb, 'BAD');
    assert.equal(one(f, NBIRTH, nbirth()).verb, 'NBIRTH');
  });
});

describe('renderTelemetryLine', () => {
  const line: TelemetryLine = { at: T, verb: 'DDATA', device: 'door', text: 'Door/Locked=true', metrics: [] };

  it('renders time, padded verb, device and text', () => {
    assert.equal(renderTelemetryLine(line, { colour: false, timeZone: 'utc' }), '12:34:56.789 DDATA    door  Door/Locked=true');
    const { device: _device, ...nodeLine } = line;
    assert.equal(renderTelemetryLine({ ...nodeLine, verb: 'NDATA' }, { colour: false, timeZone: 'utc' }), '12:34:56.789 NDATA    Door/Locked=true');
  });

  it('local time is the default clock', () => {
    const local = new Date(T);
    const hh = String(local.getHours()).padStart(2, '0');
    assert.ok(renderTelemetryLine(line, { colour: false }).startsWith(`${hh}:${String(local.getMinutes()).padStart(2, '0')}:56.789 `));
  });

  it('colours BIRTH green, DEATH red, CMD yellow, BAD red, and DATA not at all', () => {
    const render = (verb: string) => renderTelemetryLine({ ...line, verb }, { colour: true, timeZone: 'utc' });
    assert.ok(render('NBIRTH').includes('\u001b[32mNBIRTH\u001b[0m'));
    assert.ok(render('DBIRTH').includes('\u001b[32mDBIRTH\u001b[0m'));
    assert.ok(render('NDEATH').includes('\u001b[31mNDEATH\u001b[0m'));
    assert.ok(render('DCMD').includes('\u001b[33mDCMD\u001b[0m'));
    assert.ok(render('BAD').includes('\u001b[31mBAD\u001b[0m'));
    assert.ok(!render('DDATA').includes('\u001b'));
    // Colour does not move the columns.
    assert.equal(render('NBIRTH').replace(/\u001b\[\d+m/g, ''), renderTelemetryLine({ ...line, verb: 'NBIRTH' }, { colour: false, timeZone: 'utc' }));
  });

  it('without colour there is no ESC at all, even when the wire sent one', () => {
    const f = formatter();
    const hostile = one(
      f,
      DDATA('door'),
      bytes([{ name: 'Errors/Last Code\u001b[2J', datatype: DataType.String, value: 'EIO\u001b]0;pwned\u0007\u009b31m' }]),
    );
    for (const colour of [false, true]) {
      const out = renderTelemetryLine(hostile, { colour, timeZone: 'utc' });
      assert.ok(!out.includes('\u001b'), `no ESC with colour=${colour} (DDATA has no colour)`);
      assert.ok(!out.includes('\u0007') && !out.includes('\u009b'));
      assert.match(out, /\\u001b\[2J/);
    }
    const birth = renderTelemetryLine({ ...hostile, verb: 'NBIRTH' }, { colour: true, timeZone: 'utc' });
    assert.equal(birth.split('\u001b').length - 1, 2, 'only the colour codes of the verb');
    assert.ok(!renderTelemetryLine({ ...hostile, verb: 'NBIRTH' }, { colour: false, timeZone: 'utc' }).includes('\u001b'));
  });
});
