/**
 * How boothctl writes for a person: colours only on a terminal (and never with NO_COLOR),
 * aligned tables, and a progress line that rewrites itself on a terminal and becomes plain
 * lines when piped, so logs of a piped run stay readable.
 */
export interface Output {
  write(text: string): void;
  readonly isTTY?: boolean;
}

export type Colour = 'red' | 'green' | 'yellow' | 'cyan' | 'dim' | 'bold';

const CODES: Record<Colour, [number, number]> = {
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  cyan: [36, 39],
  dim: [2, 22],
  bold: [1, 22],
};

export class Terminal {
  readonly out: Output;
  readonly err: Output;
  readonly colour: boolean;

  constructor(out: Output, err: Output, colour: boolean) {
    this.out = out;
    this.err = err;
    this.colour = colour;
  }

  paint(colour: Colour, text: string): string {
    if (!this.colour) return text;
    const [open, close] = CODES[colour];
    return `\u001b[${open}m${text}\u001b[${close}m`;
  }

  line(text = ''): void {
    this.out.write(`${text}\n`);
  }

  /** Rows of cells, columns padded to the widest cell (colour codes do not count). */
  table(rows: string[][], indent = ''): void {
    const widths: number[] = [];
    for (const row of rows) row.forEach((cell, column) => (widths[column] = Math.max(widths[column] ?? 0, visibleLength(cell))));
    for (const row of rows) {
      const cells = row.map((cell, column) => (column === row.length - 1 ? cell : cell + ' '.repeat((widths[column] ?? 0) - visibleLength(cell))));
      this.line(`${indent}${cells.join('  ')}`.trimEnd());
    }
  }

  /** "… working" on a terminal, replaced in place by the final line; piped: only the final line. */
  progress(text: string): void {
    if (this.out.isTTY) this.out.write(`\r\u001b[2K${this.paint('dim', `… ${text}`)}`);
  }

  progressDone(text: string): void {
    if (this.out.isTTY) this.out.write('\r\u001b[2K');
    this.line(text);
  }
}

export function visibleLength(text: string): number {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '').length;
}

/** Colours when writing to a terminal, unless NO_COLOR is set or TERM is dumb; --color overrides. */
export function wantsColour(out: Output, env: NodeJS.ProcessEnv, flag: string | undefined): boolean {
  if (flag === 'always') return true;
  if (flag === 'never') return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return out.isTTY === true;
}

export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  const seconds = Math.floor(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ${minutes % 60} min`;
  return `${Math.floor(hours / 24)} d ${hours % 24} h`;
}

export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes)) return '?';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
