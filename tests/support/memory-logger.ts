/** A real pino logger (the production one, JSON format) that keeps its lines in memory for assertions. */
import { Writable } from 'node:stream';
import { createLogger, type BoothLogger, type LogLevel } from '../../runtime/logging/logger.ts';

export interface LogLine {
  level: number;
  msg: string;
  component?: string;
  event?: string;
  [key: string]: unknown;
}

export function memoryLogger(level: LogLevel = 'debug'): { logger: BoothLogger; lines: LogLine[]; raw: string[] } {
  const lines: LogLine[] = [];
  const raw: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const text of chunk.toString('utf8').split('\n')) {
        if (text === '') continue;
        raw.push(text);
        lines.push(JSON.parse(text) as LogLine);
      }
      callback();
    },
  });
  return { logger: createLogger({ level, pretty: false, destination }), lines, raw };
}
