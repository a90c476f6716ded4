// Baseline sequential JPEG/JFIF encoder (ITU-T T.81) for simulated camera frames and
// compressed fingerprint previews. Float AAN DCT, Annex K quantisation and Huffman tables.
import { checkRaster } from '../../protocols/imaging/png.ts';
import type { RasterImage } from '../../protocols/imaging/png.ts';

export interface JpegOptions {
  /** Chroma sampling for RGB input: 4:2:0 (default, smaller) or 4:4:4 (sharper colour edges). */
  subsampling?: '420' | '444';
  /** Written to the JFIF header as dots per inch (e.g. 500 for fingerprints); omitted = aspect only. */
  ppi?: number;
}

// Zig-zag scan order: ZIGZAG[k] is the natural (row-major) index of the k-th coefficient.
const ZIGZAG = new Uint8Array(64);
for (let s = 0, k = 0; s < 15; s++) {
  // Walk each anti-diagonal r + c = s, alternating direction as in figure A.6.
  for (let i = 0; i <= s; i++) {
    const r = s % 2 === 0 ? s - i : i;
    const c = s - r;
    if (r < 8 && c < 8) ZIGZAG[k++] = r * 8 + c;
  }
}

// Annex K.1 quantisation tables, natural order.
const LUMA_Q = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87,
  80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92,
  95, 98, 112, 100, 103, 99,
];
const CHROMA_Q = [17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99, 47, 66];
while (CHROMA_Q.length < 64) CHROMA_Q.push(99);

// Annex K.3 Huffman tables: code counts per length 1..16, then symbols.
const DC_LUMA_BITS = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
const DC_CHROMA_BITS = [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0];
const DC_VALUES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
const AC_LUMA_BITS = [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d];
const AC_LUMA_VALUES = hex(
  '01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a' +
    '434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aa' +
    'b2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9fa',
);
const AC_CHROMA_BITS = [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77];
const AC_CHROMA_VALUES = hex(
  '000102031104052131061241510761711322328108144291a1b1c109233352f0156272d10a162434e125f11718191a262728292a35363738393a' +
    '434445464748494a535455565758595a636465666768696a737475767778797a82838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aa' +
    'b2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8f9fa',
);

function hex(s: string): number[] {
  const out: number[] = [];
  for (let i = 0; i < s.length; i += 2) out.push(parseInt(s.slice(i, i + 2), 16));
  return out;
}

interface HuffTable {
  bits: number[];
  values: number[];
  codes: Uint16Array; // indexed by symbol
  sizes: Uint8Array; // code length by symbol, 0 = absent
}

/** Canonical code assignment (T.81 Annex C). */
function huffTable(bits: number[], values: number[]): HuffTable {
  const codes = new Uint16Array(256);
  const sizes = new Uint8Array(256);
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    for (let i = 0; i < bits[len - 1]!; i++) {
      const sym = values[k++]!;
      codes[sym] = code++;
      sizes[sym] = len;
    }
    code <<= 1;
  }
  if (k !== values.length) throw new Error('Huffman table: counts do not match symbols');
  return { bits, values, codes, sizes };
}

const HUFF = {
  dcLuma: huffTable(DC_LUMA_BITS, DC_VALUES),
  acLuma: huffTable(AC_LUMA_BITS, AC_LUMA_VALUES),
  dcChroma: huffTable(DC_CHROMA_BITS, DC_VALUES),
  acChroma: huffTable(AC_CHROMA_BITS, AC_CHROMA_VALUES),
};

// AAN scale factors: the float DCT below yields coefficients scaled by 8*s[u]*s[v].
const AAN = new Float64Array(8);
for (let k = 0; k < 8; k++) AAN[k] = k === 0 ? 1 : Math.cos((k * Math.PI) / 16) * Math.SQRT2;

/** IJG quality scaling of a base table; returns the table and the matching DCT divisors. */
function quantTable(base: number[], quality: number): { table: Uint8Array; divisors: Float32Array } {
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const scale = q < 50 ? 5000 / q : 200 - 2 * q;
  const table = new Uint8Array(64);
  const divisors = new Float32Array(64);
  for (let i = 0; i < 64; i++) {
    const v = Math.min(255, Math.max(1, Math.floor((base[i]! * scale + 50) / 100)));
    table[i] = v;
    divisors[i] = 1 / (v * AAN[i >> 3]! * AAN[i & 7]! * 8);
  }
  return { table, divisors };
}

/** In-place separable AAN forward DCT of an 8x8 block (rows, then columns). */
function fdct(d: Float32Array): void {
  for (let pass = 0; pass < 2; pass++) {
    const step = pass === 0 ? 1 : 8; // element stride within a line
    const next = pass === 0 ? 8 : 1; // stride between lines
    for (let line = 0; line < 8; line++) {
      const o = line * next;
      const d0 = d[o]!, d1 = d[o + step]!, d2 = d[o + 2 * step]!, d3 = d[o + 3 * step]!;
      const d4 = d[o + 4 * step]!, d5 = d[o + 5 * step]!, d6 = d[o + 6 * step]!, d7 = d[o + 7 * step]!;
      const t0 = d0 + d7, t7 = d0 - d7, t1 = d1 + d6, t6 = d1 - d6;
      const t2 = d2 + d5, t5 = d2 - d5, t3 = d3 + d4, t4 = d3 - d4;
      // Even part.
      const t10 = t0 + t3, t13 = t0 - t3, t11 = t1 + t2, t12 = t1 - t2;
      d[o] = t10 + t11;
      d[o + 4 * step] = t10 - t11;
      const z1 = (t12 + t13) * 0.707106781;
      d[o + 2 * step] = t13 + z1;
      d[o + 6 * step] = t13 - z1;
      // Odd part.
      const u10 = t4 + t5, u11 = t5 + t6, u12 = t6 + t7;
      const z5 = (u10 - u12) * 0.382683433;
      const z2 = 0.5411961 * u10 + z5;
      const z4 = 1.306562965 * u12 + z5;
      const z3 = u11 * 0.707106781;
      const z11 = t7 + z3, z13 = t7 - z3;
      d[o + 5 * step] = z13 + z2;
      d[o + 3 * step] = z13 - z2;
      d[o + step] = z11 + z4;
      d[o + 7 * step] = z11 - z4;
    }
  }
}

/** Growable output with a bit accumulator that stuffs 0x00 after every 0xFF in entropy data. */
class JpegWriter {
  buf: Uint8Array;
  pos = 0;
  private acc = 0;
  private nbits = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(capacity);
  }

  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    bigger.set(this.buf.subarray(0, this.pos));
    this.buf = bigger;
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  word(w: number): void {
    this.byte(w >> 8);
    this.byte(w & 0xff);
  }

  bits(code: number, len: number): void {
    // acc keeps < 8 pending bits, so at most 24 bits are ever held.
    this.acc = (this.acc << len) | code;
    this.nbits += len;
    while (this.nbits >= 8) {
      const b = (this.acc >>> (this.nbits - 8)) & 0xff;
      this.buf[this.pos++] = b;
      if (b === 0xff) this.buf[this.pos++] = 0;
      this.nbits -= 8;
    }
    this.acc &= (1 << this.nbits) - 1;
  }

  /** Pads the last byte with 1-bits (T.81 F.1.2.3). */
  flushBits(): void {
    if (this.nbits > 0) this.bits((1 << (8 - this.nbits)) - 1, 8 - this.nbits);
  }
}

interface Component {
  id: number;
  h: number; // sampling factors
  v: number;
  plane: Float32Array; // level-shifted samples, padded to whole MCUs
  stride: number;
  tq: number; // quantisation table id, which also picks the Huffman tables
  divisors: Float32Array;
  dc: HuffTable;
  ac: HuffTable;
  pred: number; // DC predictor
}

export function encodeJpeg(image: RasterImage, quality = 85, options: JpegOptions = {}): Uint8Array {
  checkRaster(image);
  const { width, height, channels, pixels } = image;
  if (width > 65535 || height > 65535) throw new RangeError('image too large for baseline JPEG');
  const colour = channels === 3;
  const hmax = colour && options.subsampling !== '444' ? 2 : 1;
  const mcuSize = 8 * hmax;
  const mcusX = Math.ceil(width / mcuSize);
  const mcusY = Math.ceil(height / mcuSize);
  const pw = mcusX * mcuSize;
  const ph = mcusY * mcuSize;

  // Colour conversion (JFIF, BT.601 full range) into padded planes; edge pixels are
  // replicated into the padding so partial blocks do not ring against black.
  const planes = colour ? [new Float32Array(pw * ph), new Float32Array(pw * ph), new Float32Array(pw * ph)] : [new Float32Array(pw * ph)];
  for (let y = 0; y < height; y++) {
    const src = y * width * channels;
    const dst = y * pw;
    if (colour) {
      const [py, pcb, pcr] = planes as [Float32Array, Float32Array, Float32Array];
      for (let x = 0; x < width; x++) {
        const s = src + x * 3;
        const r = pixels[s]!, g = pixels[s + 1]!, b = pixels[s + 2]!;
        py[dst + x] = 0.299 * r + 0.587 * g + 0.114 * b - 128;
        pcb[dst + x] = -0.168736 * r - 0.331264 * g + 0.5 * b;
        pcr[dst + x] = 0.5 * r - 0.418688 * g - 0.081312 * b;
      }
    } else {
      const py = planes[0]!;
      for (let x = 0; x < width; x++) py[dst + x] = pixels[src + x]! - 128;
    }
    for (const p of planes) p.fill(p[dst + width - 1]!, dst + width, dst + pw);
  }
  for (const p of planes) for (let y = height; y < ph; y++) p.copyWithin(y * pw, (height - 1) * pw, height * pw);

  const luma = quantTable(LUMA_Q, quality);
  const chroma = quantTable(CHROMA_Q, quality);
  const comps: Component[] = [
    { id: 1, h: hmax, v: hmax, plane: planes[0]!, stride: pw, tq: 0, divisors: luma.divisors, dc: HUFF.dcLuma, ac: HUFF.acLuma, pred: 0 },
  ];
  if (colour) {
    for (let c = 1; c < 3; c++) {
      const full = planes[c]!;
      const plane = hmax === 2 ? halve(full, pw, ph) : full;
      const stride = pw / hmax;
      comps.push({ id: c + 1, h: 1, v: 1, plane, stride, tq: 1, divisors: chroma.divisors, dc: HUFF.dcChroma, ac: HUFF.acChroma, pred: 0 });
    }
  }

  const w = new JpegWriter(1024 + ((width * height * channels) >> 2));
  writeHeaders(w, width, height, comps, colour ? [luma.table, chroma.table] : [luma.table], options.ppi);

  const block = new Float32Array(64);
  const zz = new Int32Array(64);
  for (let my = 0; my < mcusY; my++) {
    for (let mx = 0; mx < mcusX; mx++) {
      for (const comp of comps) {
        for (let v = 0; v < comp.v; v++) {
          for (let h = 0; h < comp.h; h++) {
            const base = ((my * comp.v + v) * 8) * comp.stride + (mx * comp.h + h) * 8;
            for (let r = 0; r < 8; r++) {
              const row = base + r * comp.stride;
              for (let c = 0; c < 8; c++) block[r * 8 + c] = comp.plane[row + c]!;
            }
            fdct(block);
            const div = comp.divisors;
            for (let k = 0; k < 64; k++) {
              const n = ZIGZAG[k]!;
              const q = block[n]! * div[n]!;
              zz[k] = q < 0 ? -Math.floor(0.5 - q) : Math.floor(q + 0.5);
            }
            w.ensure(640); // worst case for one block including stuffing
            comp.pred = encodeBlock(w, zz, comp.pred, comp.dc, comp.ac);
          }
        }
      }
    }
  }
  w.flushBits();
  w.word(0xffd9); // EOI
  return w.buf.slice(0, w.pos);
}

/** 2x2 box average of a padded plane (4:2:0 chroma). */
function halve(src: Float32Array, pw: number, ph: number): Float32Array {
  const hw = pw >> 1;
  const out = new Float32Array(hw * (ph >> 1));
  for (let y = 0; y < ph >> 1; y++) {
    const a = 2 * y * pw;
    const b = a + pw;
    for (let x = 0; x < hw; x++) {
      out[y * hw + x] = (src[a + 2 * x]! + src[a + 2 * x + 1]! + src[b + 2 * x]! + src[b + 2 * x + 1]!) * 0.25;
    }
  }
  return out;
}

/** Huffman-codes one quantised block (F.1.2); returns the new DC predictor. */
function encodeBlock(w: JpegWriter, zz: Int32Array, pred: number, dc: HuffTable, ac: HuffTable): number {
  const dcValue = Math.max(-2047, Math.min(2047, zz[0]!));
  writeValue(w, dcValue - pred, 0, dc);
  let run = 0;
  for (let k = 1; k < 64; k++) {
    const v = zz[k]!;
    if (v === 0) {
      run++;
      continue;
    }
    for (; run > 15; run -= 16) w.bits(ac.codes[0xf0]!, ac.sizes[0xf0]!); // ZRL
    writeValue(w, v < -1023 ? -1023 : v > 1023 ? 1023 : v, run, ac);
    run = 0;
  }
  if (run > 0) w.bits(ac.codes[0]!, ac.sizes[0]!); // EOB
  return dcValue;
}

/** Writes symbol (run, size) then `size` magnitude bits (negative values as one's complement). */
function writeValue(w: JpegWriter, value: number, run: number, table: HuffTable): void {
  const mag = value < 0 ? -value : value;
  const size = mag === 0 ? 0 : 32 - Math.clz32(mag);
  const sym = (run << 4) | size;
  w.bits(table.codes[sym]!, table.sizes[sym]!);
  if (size > 0) w.bits((value < 0 ? value - 1 : value) & ((1 << size) - 1), size);
}

function writeHeaders(w: JpegWriter, width: number, height: number, comps: Component[], tables: Uint8Array[], ppi?: number): void {
  const hi = (v: number): number[] => [v >> 8, v & 0xff];
  // Writes marker, big-endian length (which counts itself) and payload.
  const segment = (marker: number, payload: number[]): void => {
    for (const b of [0xff, marker, ...hi(payload.length + 2), ...payload]) w.byte(b);
  };
  w.word(0xffd8); // SOI
  // JFIF 1.01; density in dpi when known so viewers and NIST tools see e.g. 500 ppi.
  const dpi = ppi !== undefined && ppi > 0 && ppi < 65536 ? Math.round(ppi) : 0;
  segment(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, dpi ? 1 : 0, ...hi(dpi || 1), ...hi(dpi || 1), 0, 0]);
  // DQT: 8-bit entries in zig-zag order, table id = index.
  segment(0xdb, tables.flatMap((t, id) => [id, ...Array.from(ZIGZAG, (n) => t[n]!)]));
  // SOF0 baseline: precision, size, then id, sampling factors and quantiser per component.
  segment(0xc0, [8, ...hi(height), ...hi(width), comps.length, ...comps.flatMap((c) => [c.id, (c.h << 4) | c.v, c.tq])]);
  const huff = comps.length > 1 ? [HUFF.dcLuma, HUFF.acLuma, HUFF.dcChroma, HUFF.acChroma] : [HUFF.dcLuma, HUFF.acLuma];
  // DHT: class (0 DC, 1 AC) << 4 | table id, 16 counts, symbols.
  segment(0xc4, huff.flatMap((t, i) => [((i & 1) << 4) | (i >> 1), ...t.bits, ...t.values]));
  // SOS: all components interleaved, full spectrum (Ss 0, Se 63, Ah/Al 0).
  segment(0xda, [comps.length, ...comps.flatMap((c) => [c.id, c.tq === 0 ? 0x00 : 0x11]), 0, 63, 0]);
}
