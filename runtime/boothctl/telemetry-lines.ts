/**
 * The decoding half of `boothctl tail`: Sparkplug B messages of one booth turned into readable
 * lines for a field technician. Pure: topic + payload bytes in, lines out; no MQTT, no I/O.
 *
 * - BIRTH messages carry name + alias + datatype; DATA (and CMD) may carry only aliases and no
 *   datatype. The formatter remembers each BIRTH's alias table (per node and per device) to
 *   name and type later metrics, and shows `alias 7` for an alias it has not seen born.
 * - Binary values (Bytes, File, packed arrays) are summarised, never printed: a booth carries
 *   biometric data and a terminal is no place for it. Text from the wire (names, strings, ids)
 *   has control characters escaped, so a hostile publisher cannot drive the terminal.
 * - Never throws: a payload that does not decode gives one `BAD` line with the reason.
 */
import { DataType, dataTypeName, describeDataType } from '../../protocols/sparkplug/datatypes.ts';
import { parseHostState } from '../../protocols/sparkplug/host-state.ts';
import { decodePayload, metricValueFromWire, type SparkplugMetric, type SparkplugPayload } from '../../protocols/sparkplug/payload.ts';
import { parseTopic, type MessageType } from '../../protocols/sparkplug/topics.ts';

/** Stands in for a binary value in `TelemetryLine.metrics`: its type and size, never its bytes. */
export interface BinarySummary {
  binary: string;
  byteLength: number;
}

export interface TelemetryMetric {
  name: string;
  /** The typed value; null for a null metric; a BinarySummary for Bytes/File/array values. */
  value: unknown;
  historical?: boolean;
}

export interface TelemetryLine {
  /** Milliseconds since the epoch: the payload's timestamp, else when the message was received. */
  at: number;
  /** NBIRTH, NDEATH, NDATA, NCMD, DBIRTH, DDEATH, DDATA, DCMD, STATE or BAD. */
  verb: string;
  device?: string;
  seq?: number;
  /** What follows the verb and device, e.g. `Door/Locked=true Door/Open=false`. Terminal-safe. */
  text: string;
  metrics: TelemetryMetric[];
}

export interface TelemetryFormatterOptions {
  boothId: string;
  group: string;
  /**
   * Show only this device: its DBIRTH/DDATA/DDEATH/DCMD, plus NDEATH (the device goes down with
   * its node) and STATE (the booth stops publishing while the primary host is offline). Node
   * metrics of boothd are not named after devices, so NBIRTH/NDATA/NCMD are left out.
   */
  device?: string;
}

interface KnownMetric {
  name: string;
  datatype: number;
}

/** A metric as shown: the public fields plus what the text needs. */
interface ShownMetric extends TelemetryMetric {
  datatype: number;
  note?: string;
}

export class TelemetryFormatter {
  readonly #options: TelemetryFormatterOptions;
  /** Alias tables from the last NBIRTH and each device's last DBIRTH. */
  #nodeAliases = new Map<bigint, KnownMetric>();
  readonly #deviceAliases = new Map<string, Map<bigint, KnownMetric>>();

  constructor(options: TelemetryFormatterOptions) {
    this.#options = { ...options };
  }

  /** Lines for one MQTT message; [] for messages of other booths or groups, or filtered out. */
  format(topic: string, payload: Uint8Array, receivedAt: number): TelemetryLine[] {
    try {
      return this.#format(topic, payload, receivedAt);
    } catch (error) {
      // Nothing above should throw; if it does, the tail goes on and says why.
      return [badLine(receivedAt, undefined, `${safeText(topic)}: ${safeText(errorMessage(error))}`)];
    }
  }

  #format(topic: string, payload: Uint8Array, receivedAt: number): TelemetryLine[] {
    const parsed = parseTopic(topic);
    if (parsed === undefined) return [];
    if (parsed.kind === 'state') return [stateLine(parsed.host, payload, receivedAt)];
    const { group, type, node, device } = parsed;
    if (group !== this.#options.group || node !== this.#options.boothId) return [];
    const filter = this.#options.device;
    const visible = filter === undefined || device === filter || (device === undefined && type === 'NDEATH');
    let decoded: SparkplugPayload;
    try {
      decoded = decodePayload(payload);
    } catch (error) {
      return visible ? [badLine(receivedAt, device, `${type}: ${safeText(errorMessage(error))}`)] : [];
    }
    // Learn births even when filtered out: the alias tables must be right when they are needed.
    if (type === 'NBIRTH') {
      this.#nodeAliases = aliasTable(decoded.metrics);
      this.#deviceAliases.clear(); // a new session: every device is born again, aliases anew
    } else if (type === 'DBIRTH' && device !== undefined) {
      this.#deviceAliases.set(device, aliasTable(decoded.metrics));
    }
    if (!visible) return [];
    const aliases = device === undefined ? this.#nodeAliases : this.#deviceAliases.get(device);
    const metrics = decoded.metrics.map((metric) => showMetric(metric, aliases));
    const line: TelemetryLine = {
      at: decoded.timestamp ?? receivedAt,
      verb: type,
      text: lineText(type, metrics),
      metrics: metrics.map(({ name, value, historical }) => (historical ? { name, value, historical } : { name, value })),
    };
    if (device !== undefined) line.device = safeText(device);
    if (decoded.seq !== undefined) line.seq = decoded.seq;
    return [line];
  }
}

const ESC = '\u001b[';
const RESET = `${ESC}0m`;
const VERB_COLOUR: Record<string, string> = {
  NBIRTH: `${ESC}32m`,
  DBIRTH: `${ESC}32m`,
  NDEATH: `${ESC}31m`,
  DDEATH: `${ESC}31m`,
  NCMD: `${ESC}33m`,
  DCMD: `${ESC}33m`,
  BAD: `${ESC}31m`,
};

export interface RenderOptions {
  colour: boolean;
  /** Clock of the HH:MM:SS.mmm column; 'local' by default. */
  timeZone?: 'local' | 'utc';
}

/** `HH:MM:SS.mmm VERB     device  text`, with ANSI colour on the verb only when asked for. */
export function renderTelemetryLine(line: TelemetryLine, options: RenderOptions): string {
  const verb = safeText(line.verb);
  const padding = ' '.repeat(Math.max(1, 9 - verb.length));
  const colour = options.colour ? VERB_COLOUR[verb] : undefined;
  const shownVerb = colour === undefined ? verb : `${colour}${verb}${RESET}`;
  const device = line.device === undefined ? '' : `${safeText(line.device)}  `;
  return `${clockTime(line.at, options.timeZone ?? 'local')} ${shownVerb}${padding}${device}${safeText(line.text)}`;
}

function clockTime(at: number, timeZone: 'local' | 'utc'): string {
  const date = new Date(at);
  if (!Number.isFinite(date.getTime())) return '--:--:--.---';
  const utc = timeZone === 'utc';
  const two = (n: number) => String(n).padStart(2, '0');
  const hours = utc ? date.getUTCHours() : date.getHours();
  const minutes = utc ? date.getUTCMinutes() : date.getMinutes();
  const seconds = utc ? date.getUTCSeconds() : date.getSeconds();
  const ms = utc ? date.getUTCMilliseconds() : date.getMilliseconds();
  return `${two(hours)}:${two(minutes)}:${two(seconds)}.${String(ms).padStart(3, '0')}`;
}

function stateLine(host: string, payload: Uint8Array, receivedAt: number): TelemetryLine {
  const state = parseHostState(payload);
  const who = `primary host ${showString(host)}`;
  if (!state.ok) return badLine(receivedAt, undefined, `STATE of ${who}: ${safeText(state.reason)}`);
  return {
    at: state.timestamp,
    verb: 'STATE',
    text: `${who} ${state.online ? 'online' : 'offline'}`,
    metrics: [{ name: 'online', value: state.online }],
  };
}

function badLine(at: number, device: string | undefined, text: string): TelemetryLine {
  const line: TelemetryLine = { at, verb: 'BAD', text, metrics: [] };
  if (device !== undefined) line.device = safeText(device);
  return line;
}

function aliasTable(metrics: readonly SparkplugMetric[]): Map<bigint, KnownMetric> {
  const table = new Map<bigint, KnownMetric>();
  for (const metric of metrics) {
    if (metric.alias !== undefined && metric.name !== undefined) table.set(metric.alias, { name: metric.name, datatype: metric.datatype });
  }
  return table;
}

function showMetric(metric: SparkplugMetric, aliases: ReadonlyMap<bigint, KnownMetric> | undefined): ShownMetric {
  const known = metric.alias === undefined ? undefined : aliases?.get(metric.alias);
  const name = metric.name ?? known?.name ?? `alias ${metric.alias}`;
  let datatype = metric.datatype;
  let value: unknown = metric.value;
  let note: string | undefined;
  if (metric.isNull === true || value === undefined) {
    value = null;
  } else if (datatype === DataType.Unknown && known !== undefined && metric.wireField !== undefined) {
    // DATA without a datatype: the raw wire value, typed by the datatype its BIRTH declared.
    try {
      value = metricValueFromWire(known.datatype, metric.wireField, metric.value as never, name);
      datatype = known.datatype;
    } catch {
      note = `does not fit ${describeDataType(known.datatype)}`;
    }
  }
  if (value instanceof Uint8Array) {
    const summary: BinarySummary = { binary: dataTypeName(datatype) === 'Unknown' ? 'bytes' : describeDataType(datatype), byteLength: value.byteLength };
    value = summary;
  }
  const shown: ShownMetric = { name, value, datatype };
  if (metric.isHistorical === true) shown.historical = true;
  if (note !== undefined) shown.note = note;
  return shown;
}

function lineText(type: MessageType, metrics: readonly ShownMetric[]): string {
  const list = metrics.map(showPair).join(' ');
  switch (type) {
    case 'NBIRTH':
    case 'DBIRTH':
      return `${metrics.length} ${metrics.length === 1 ? 'metric' : 'metrics'}${list ? `: ${list}` : ''}`;
    case 'NDEATH': {
      const bdSeq = metrics.find((metric) => metric.name === 'bdSeq');
      return `node offline  ${bdSeq === undefined ? 'no bdSeq' : showPair(bdSeq)}`;
    }
    case 'DDEATH':
      return 'device offline';
    case 'NCMD':
    case 'DCMD':
      return list ? `set ${list}` : 'set (no metrics)';
    case 'NDATA':
    case 'DDATA':
      return list || '(no metrics)';
  }
}

function showPair(metric: ShownMetric): string {
  let text = `${showName(metric.name)}=${showValue(metric.value, metric.datatype)}`;
  if (metric.note !== undefined) text += ` (${metric.note})`;
  if (metric.historical === true) text += ' (historical)';
  return text;
}

function showValue(value: unknown, datatype: number): string {
  if (value === null) return 'null';
  if (isBinarySummary(value)) {
    return value.binary === 'bytes' || value.binary === 'Bytes'
      ? `[${value.byteLength} bytes]`
      : `[${value.binary}, ${value.byteLength} bytes]`;
  }
  if (typeof value === 'string') return showString(value);
  if (typeof value === 'number') {
    if (datatype === DataType.DateTime && Number.isSafeInteger(value)) return new Date(value).toISOString();
    if (datatype === DataType.Float) return String(Number(value.toPrecision(7))); // float32 noise off
    return String(value);
  }
  if (typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  return `[${typeof value}]`; // nothing else comes out of the decoder; never dump an object
}

function isBinarySummary(value: unknown): value is BinarySummary {
  return typeof value === 'object' && value !== null && 'binary' in value && 'byteLength' in value;
}

/** Names are bare unless they would be ambiguous (`"Door/Forced Count"=0`). */
function showName(name: string): string {
  return /^[^\s"=\\]+$/.test(name) ? safeText(name) : quote(name);
}

/** Strings are bare when they could not be mistaken for something else, quoted otherwise. */
function showString(text: string): string {
  const plain = /^[^\s"=\\]+$/.test(text) && !/^(true|false|null|[-+]?[\d.]+(e[-+]?\d+)?|\[.*)$/i.test(text);
  return plain ? safeText(text) : quote(text);
}

function quote(text: string): string {
  return safeText(JSON.stringify(text)); // JSON escapes C0 controls; safeText the rest
}

/** C0/C1 controls, DEL, line/paragraph separators and bidi overrides. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Text safe for a terminal: every control character written as a \uXXXX escape. Idempotent. */
function safeText(text: string): string {
  return text.replace(UNSAFE, (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
