/**
 * The daemon's logger: pino, JSON lines for machines, pretty colour lines in a terminal.
 * `audit` is a level of its own (between info and warn) so audit events survive an operator
 * turning info off. Binary payloads never reach a log line: every typed array or Buffer is
 * replaced by its length before serialisation (biometric bytes must never be logged). A field
 * named like one of pino's own (`level`, `time`, `msg`) is renamed (`levelField`, …): written
 * as it is, it would be a second key of that name, and a reader of the JSON line keeps the last,
 * so a light's `level: 40` made a debug line read as a warning.
 */
import { pino, type Logger, type LevelWithSilent } from 'pino';
import pinoPretty from 'pino-pretty';

export type BoothLogger = Logger<'audit'>;
export type LogLevel = LevelWithSilent | 'audit';

export interface LoggerOptions {
  level: LogLevel;
  /** Human-readable coloured lines (a terminal) instead of JSON lines. */
  pretty: boolean;
  /** Where lines go; standard output when absent. */
  destination?: NodeJS.WritableStream;
  base?: Record<string, unknown>;
  /** A second destination that gets every JSON line too (the daemon's recent-log buffer). */
  tee?: { write(line: string): boolean };
}

export const AUDIT_LEVEL = 35;

export function createLogger(options: LoggerOptions): BoothLogger {
  const settings = {
    level: options.level,
    customLevels: { audit: AUDIT_LEVEL },
    base: options.base ?? {},
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { log: (object: Record<string, unknown>) => withoutReservedKeys(withoutBinary(object) as Record<string, unknown>) },
  };
  if (options.pretty) {
    const stream = pinoPretty({
      colorize: true,
      sync: true,
      translateTime: 'SYS:HH:MM:ss.l',
      // Messages carry what a person needs; the structured fields stay in the JSON format.
      hideObject: true,
      messageFormat: '{if component}[{component}] {end}{msg}',
      customLevels: `audit:${AUDIT_LEVEL}`,
      customColors: 'audit:magenta',
      useOnlyCustomProps: false,
      destination: options.destination ?? 1,
    });
    return pino(settings, withTee(stream, options.tee)) as BoothLogger;
  }
  const destination = options.destination ?? pino.destination({ dest: 1, sync: true });
  return pino(settings, withTee(destination, options.tee)) as BoothLogger;
}

function withTee(main: pino.DestinationStream, tee: LoggerOptions['tee']): pino.DestinationStream {
  if (!tee) return main;
  // Level 0 on both: the logger's own level has already filtered each line.
  return pino.multistream(
    [
      { level: 0, stream: main },
      { level: 0, stream: tee },
    ],
    { levels: { ...pino.levels.values, audit: AUDIT_LEVEL } },
  );
}

const MAX_DEPTH = 6;
const RESERVED_KEYS = new Set(['level', 'time', 'msg']);

/** The logged object with pino's own keys renamed, so they cannot shadow the line's level, time or message. */
export function withoutReservedKeys(object: Record<string, unknown>): Record<string, unknown> {
  if (!Object.keys(object).some((key) => RESERVED_KEYS.has(key))) return object;
  return Object.fromEntries(Object.entries(object).map(([key, value]) => [RESERVED_KEYS.has(key) ? `${key}Field` : key, value]));
}

/** Copies `value` with every binary buffer replaced by a short description of its size. */
export function withoutBinary(value: unknown, depth = 0): unknown {
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes withheld]`;
  if (value instanceof ArrayBuffer) return `[${value.byteLength} bytes withheld]`;
  if (value === null || typeof value !== 'object' || value instanceof Error) return value;
  if (depth >= MAX_DEPTH) return '[nested too deep]';
  if (Array.isArray(value)) return value.map((item) => withoutBinary(item, depth + 1));
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) copy[key] = withoutBinary(item, depth + 1);
  return copy;
}
