/**
 * The central side's command signer: builds a signed NCMD/DCMD (docs/sparkplug.md, "Signed
 * commands") and publishes it, or writes the payload for any MQTT client to send.
 *   node scripts/sign-command.ts --key FILE --target GROUP/NODE[/DEVICE] [--valid-seconds N]
 *        [--issued-at MS|ISO] [--id UUID] (--broker URL [--ca F --cert F --cert-key F] | --out FILE)
 *        METRIC=[TYPE:]VALUE ...
 * --key is the central command-signing private key (`generate-keys --commands NAME`). The
 * target's third part makes it a DCMD to that device. TYPE is a Sparkplug datatype name
 * (Boolean, String, Double, Int32, …); it may be left out for the booth's own commands
 * (Door/Locked, Light/…, Device/Reset, Capture/Self Test, Node Control/…). Prints one JSON line:
 * topic, id, issuedAt, notAfter.
 * Exit codes: 0 signed (and published), 64 bad usage or input, 66 the key cannot be used,
 * 69 the broker cannot be reached.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { loadPrivateKey } from '../protocols/capture/keys.ts';
import { signedCommandMetrics, CommandSignatureError, MAX_VALIDITY_MS, type SignableCommand } from '../protocols/sparkplug/command-signature.ts';
import { DataType, dataTypeName, type DataTypeName } from '../protocols/sparkplug/datatypes.ts';
import { encodePayload, PayloadError } from '../protocols/sparkplug/payload.ts';
import { edgeTopic } from '../protocols/sparkplug/topics.ts';

const USAGE = `usage: sign-command --key FILE --target GROUP/NODE[/DEVICE] [--valid-seconds 1-60] [--issued-at MS|ISO] [--id UUID]
                    (--broker URL [--ca FILE] [--cert FILE] [--cert-key FILE] | --out FILE) METRIC=[TYPE:]VALUE ...`;

export interface SignCommandIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
}

export interface SignCommandDependencies {
  now?: () => number;
  newId?: () => string;
}

class UsageError extends Error {}

/** Datatypes of the booth's own writable metrics, so an operator need not spell them. */
function knownDatatype(name: string): number | undefined {
  if (['Door/Locked', 'Device/Reset', 'Capture/Self Test', 'Node Control/Reboot', 'Node Control/Rebirth'].includes(name)) return DataType.Boolean;
  if (name === 'Light/Scene') return DataType.String;
  if (name.startsWith('Light/')) return DataType.Double;
  return undefined;
}

/** `METRIC=[TYPE:]VALUE` → a command of that datatype; UsageError naming what was wrong. */
export function parseCommandArgument(argument: string): SignableCommand {
  const equals = argument.indexOf('=');
  if (equals <= 0) throw new UsageError(`"${argument}": expected METRIC=[TYPE:]VALUE, e.g. "Door/Locked=true" or "Light/key=Double:40"`);
  const name = argument.slice(0, equals);
  let text = argument.slice(equals + 1);
  let datatype: number | undefined;
  const typed = /^([A-Za-z0-9]+):/.exec(text);
  if (typed && Object.hasOwn(DataType, typed[1]!)) {
    datatype = DataType[typed[1] as DataTypeName];
    text = text.slice(typed[0].length);
  } else {
    datatype = knownDatatype(name);
    if (datatype === undefined) throw new UsageError(`"${name}": unknown metric, give its datatype: ${name}=TYPE:VALUE (Boolean, String, Double, Int32, …)`);
  }
  return { name, datatype, value: parseValue(name, datatype, text) };
}

function parseValue(name: string, datatype: number, text: string): SignableCommand['value'] {
  const type = dataTypeName(datatype) ?? String(datatype);
  const bad = (expected: string) => new UsageError(`"${name}": ${type} needs ${expected}, got ${JSON.stringify(text)}`);
  switch (datatype) {
    case DataType.Boolean:
      if (text === 'true' || text === 'false') return text === 'true';
      throw bad('true or false');
    case DataType.Int8:
    case DataType.Int16:
    case DataType.Int32:
    case DataType.UInt8:
    case DataType.UInt16:
    case DataType.UInt32:
      if (!/^-?\d+$/.test(text)) throw bad('an integer');
      return Number(text);
    case DataType.Int64:
    case DataType.UInt64:
      if (!/^-?\d+$/.test(text)) throw bad('an integer');
      return BigInt(text);
    case DataType.DateTime: {
      const ms = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
      if (!Number.isSafeInteger(ms) || ms < 0) throw bad('ms since the epoch or an ISO-8601 time');
      return ms;
    }
    case DataType.Float:
    case DataType.Double: {
      const n = text.trim() === '' ? Number.NaN : Number(text);
      if (!Number.isFinite(n)) throw bad('a number');
      return n;
    }
    case DataType.String:
    case DataType.Text:
    case DataType.UUID:
      return text;
    case DataType.Bytes:
      if (!/^([0-9a-fA-F]{2})*$/.test(text)) throw bad('hex bytes');
      return Uint8Array.from(Buffer.from(text, 'hex'));
    default:
      throw new UsageError(`"${name}": datatype ${type} is not supported by sign-command`);
  }
}

export async function runSignCommand(argv: string[], io: SignCommandIo, dependencies: SignCommandDependencies = {}): Promise<number> {
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: {
        key: { type: 'string' },
        target: { type: 'string' },
        'valid-seconds': { type: 'string', default: '30' },
        'issued-at': { type: 'string' },
        id: { type: 'string' },
        broker: { type: 'string' },
        ca: { type: 'string' },
        cert: { type: 'string' },
        'cert-key': { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: true,
    }));
  } catch (error) {
    io.stderr(`sign-command: ${(error as Error).message}\n${USAGE}`);
    return 64;
  }
  if (values.help === true) {
    io.stdout(USAGE);
    return 0;
  }
  let request: { topic: string; bytes: Uint8Array; summary: Record<string, unknown> };
  const loadKey = () => {
    try {
      return loadPrivateKey(String(values.key), 'commands');
    } catch (error) {
      throw new KeyError((error as Error).message);
    }
  };
  try {
    request = buildRequest(values, positionals, dependencies, loadKey);
  } catch (error) {
    if (error instanceof KeyError) {
      io.stderr(`sign-command: ${error.message}`);
      return 66;
    }
    if (error instanceof UsageError || error instanceof CommandSignatureError || error instanceof PayloadError) {
      io.stderr(`sign-command: ${error.message}${error instanceof UsageError ? `\n${USAGE}` : ''}`);
      return 64;
    }
    throw error;
  }
  if (typeof values.out === 'string') {
    writeFileSync(values.out, request.bytes);
  } else {
    try {
      await publish(String(values.broker), request.topic, request.bytes, values);
    } catch (error) {
      io.stderr(`sign-command: could not publish to ${String(values.broker)}: ${(error as Error).message}`);
      return 69;
    }
  }
  io.stdout(JSON.stringify(request.summary));
  return 0;
}

class KeyError extends Error {}

function buildRequest(
  values: Record<string, string | boolean | undefined>,
  positionals: string[],
  dependencies: SignCommandDependencies,
  loadKey: () => ReturnType<typeof loadPrivateKey>,
): { topic: string; bytes: Uint8Array; summary: Record<string, unknown> } {
  if (typeof values.key !== 'string') throw new UsageError('--key FILE (the central command-signing private key) is required');
  if (typeof values.target !== 'string') throw new UsageError('--target GROUP/NODE[/DEVICE] is required');
  if ((typeof values.broker === 'string') === (typeof values.out === 'string')) throw new UsageError('give exactly one of --broker URL and --out FILE');
  if (positionals.length === 0) throw new UsageError('no command given: add METRIC=[TYPE:]VALUE, e.g. "Door/Locked=true"');
  const parts = values.target.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((part) => !/^[^/+#\s]+$/.test(part))) {
    throw new UsageError(`--target "${values.target}": expected GROUP/NODE for the node or GROUP/NODE/DEVICE for a device`);
  }
  const [group, node, device] = parts as [string, string, string | undefined];
  const validSeconds = Number(values['valid-seconds']);
  if (!(validSeconds > 0 && validSeconds * 1000 <= MAX_VALIDITY_MS)) {
    throw new UsageError(`--valid-seconds ${String(values['valid-seconds'])}: expected a number of seconds in (0, ${MAX_VALIDITY_MS / 1000}]`);
  }
  let issuedAt = (dependencies.now ?? Date.now)();
  if (typeof values['issued-at'] === 'string') {
    const text = values['issued-at'];
    issuedAt = /^\d+$/.test(text) ? Number(text) : Date.parse(text);
    if (!Number.isSafeInteger(issuedAt) || issuedAt < 0) throw new UsageError(`--issued-at "${text}": expected ms since the epoch or an ISO-8601 time`);
  }
  const id = typeof values.id === 'string' ? values.id : (dependencies.newId ?? randomUUID)();
  const commands = positionals.map(parseCommandArgument);
  const envelope = { id, issuedAt, notAfter: issuedAt + Math.round(validSeconds * 1000), target: values.target };
  const metrics = signedCommandMetrics(loadKey(), envelope, commands);
  const bytes = encodePayload({ timestamp: issuedAt, metrics });
  const topic = device === undefined ? edgeTopic(group, 'NCMD', node) : edgeTopic(group, 'DCMD', node, device);
  return { topic, bytes, summary: { topic, id, issuedAt, notAfter: envelope.notAfter, commands: commands.map((command) => command.name) } };
}

async function publish(url: string, topic: string, bytes: Uint8Array, values: Record<string, string | boolean | undefined>): Promise<void> {
  const file = (name: string) => (typeof values[name] === 'string' ? readFileSync(values[name]) : undefined);
  const tls = { ca: file('ca'), cert: file('cert'), key: file('cert-key') };
  const client = await mqtt.connectAsync(url, {
    protocolVersion: 4,
    clean: true,
    reconnectPeriod: 0,
    connectTimeout: 10_000,
    clientId: `sign-command-${randomUUID().slice(0, 8)}`,
    ...Object.fromEntries(Object.entries(tls).filter(([, value]) => value !== undefined)),
  });
  try {
    await client.publishAsync(topic, Buffer.from(bytes), { qos: 1, retain: false });
  } finally {
    await client.endAsync();
  }
}

if (import.meta.main) {
  process.exitCode = await runSignCommand(process.argv.slice(2), {
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
  });
}
