#!/usr/bin/env node
// Writes src/lib/search/int8-scan-wasm.ts: the bytes of a tiny WebAssembly module (four functions,
// SIMD) assembled here by hand, so the build needs no wasm toolchain and the module is
// self-hosted (the app's CSP allows compiling wasm: 'wasm-unsafe-eval', never eval).
//
// scoreI8(codes, count, rowBytes, query, out): for each of `count` rows of `rowBytes` int8 codes
// starting at byte `codes`, out[i] = Σ_j codes[i][j] · query[j] as i32, query = `rowBytes` int16
// at byte `query`; rowBytes is a positive multiple of 16.
// scoreRowsI8(base, rows, count, rowBytes, query, out): the same for the rows whose numbers are
// the `count` i32 at byte `rows` (row r at base + r · rowBytes).
// Per 16 bytes: two v128.load8x8_s (8 int8 → 8 int16 each), two i32x4.dot_i16x8_s against the
// query's int16, added into one i32x4; the four lanes are summed at the end of a row. Exact
// integer arithmetic while |weights| · 127 · rowBytes < 2^31 (the caller scales the weights so),
// so it equals the plain JS sum. Both take four rows per step while four are left.
// rowsAtLeast(scores, count, cut, out, max) → n: the numbers i < count of the i32 scores at byte
// `scores` with scores[i] ≥ cut, in order, written as i32 at byte `out` (at most max of them);
// returns how many pass (more than max when some were not written). Four scores per compare.
// scoreF32(rows, count, rowBytes, query, out): out[i] = Σ_j rows[i][j] · query[j] in f32 for rows
// of rowBytes / 4 floats (a multiple of 16 bytes), f32 results at byte `out`.
//
// Run: node scripts/make-int8-scan-wasm.mjs (then commit the generated file).
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '../src/lib/search/int8-scan-wasm.ts');

const uleb = (n) => {
  const out = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
};
const sleb = (n) => {
  const out = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) return [...out, b];
    out.push(b | 0x80);
  }
};
const vec = (items) => [...uleb(items.length), ...items.flat()];
const section = (id, body) => [id, ...uleb(body.length), ...body];
const name = (s) => vec([...Buffer.from(s, 'utf8')]);

const I32 = 0x7f;
const V128 = 0x7b;
const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  brIf: (l) => [0x0d, ...uleb(l)],
  get: (i) => [0x20, ...uleb(i)],
  set: (i) => [0x21, ...uleb(i)],
  tee: (i) => [0x22, ...uleb(i)],
  i32: (n) => [0x41, ...sleb(n)],
  i32Eqz: [0x45],
  i32LtU: [0x49],
  i32Add: [0x6a],
  i32Sub: [0x6b],
  i32Shl: [0x74],
  i32Store: (offset) => [0x36, 2, ...uleb(offset)],
  i32Load: (offset) => [0x28, 2, ...uleb(offset)],
  i32Mul: [0x6c],
  i32And: [0x71],
  i32GtU: [0x4b],
  i32GeU: [0x4f],
  i32GeS: [0x4e],
  br: (l) => [0x0c, ...uleb(l)],
  if: [0x04, 0x40],
  simd: (code, ...imm) => [0xfd, ...uleb(code), ...imm],
};
const v128Load = (offset) => op.simd(0x00, 0, ...uleb(offset));
const load8x8s = (offset) => op.simd(0x01, 0, ...uleb(offset));
const v128Zero = op.simd(0x0c, ...new Array(16).fill(0));
const extractLane = (lane) => op.simd(0x1b, lane);
const i32x4Add = op.simd(0xae);
const dotI16 = op.simd(0xba);
const v128Store = (offset) => op.simd(0x0b, 0, ...uleb(offset));
const shuffle = (lanes) => op.simd(0x0d, ...lanes);
const i32x4Splat = op.simd(0x11);
const i32x4GeS = op.simd(0x3f);
const i32x4Bitmask = op.simd(0xa4);
const f32x4Add = op.simd(0xe4);
const f32x4Mul = op.simd(0xe6);
const f32x4ExtractLane = (lane) => op.simd(0x1f, lane);
const f32Add = [0x92];
const f32Store = (offset) => [0x38, 2, ...uleb(offset)];

// One row's dot product into local `acc`: params/locals given by index.
const rowDot = ({ row, j, acc, rowBytes, query }) => {
  const half = (off) => [...op.get(row), ...op.get(j), ...op.i32Add, ...load8x8s(off), ...op.get(query), ...op.get(j), ...op.i32(1), ...op.i32Shl, ...op.i32Add, ...v128Load(2 * off), ...dotI16, ...i32x4Add];
  return [
    ...v128Zero, ...op.set(acc),
    ...op.i32(0), ...op.set(j),
    ...op.loop,
    ...op.get(acc), ...half(0), ...half(8), ...op.set(acc),
    ...op.get(j), ...op.i32(16), ...op.i32Add, ...op.tee(j), ...op.get(rowBytes), ...op.i32LtU, ...op.brIf(0),
    ...op.end,
  ];
};
// Four rows' dot products at once into locals acc[0…3], the query's 16 weights of each step
// (locals wLo, wHi) loaded once for the four: a quarter of the weight loads and loop steps, and
// four rows' loads in flight together (listed rows are scattered: their first loads miss the cache).
const fourRowDot = ({ rows, j, acc, wLo, wHi, rowBytes, query }) => {
  const part = (k, off, w) => [...op.get(rows[k]), ...op.get(j), ...op.i32Add, ...load8x8s(off), ...op.get(w), ...dotI16];
  return [
    ...acc.flatMap((a) => [...v128Zero, ...op.set(a)]),
    ...op.i32(0), ...op.set(j),
    ...op.loop,
    ...op.get(query), ...op.get(j), ...op.i32(1), ...op.i32Shl, ...op.i32Add, ...v128Load(0), ...op.set(wLo),
    ...op.get(query), ...op.get(j), ...op.i32(1), ...op.i32Shl, ...op.i32Add, ...v128Load(16), ...op.set(wHi),
    ...acc.flatMap((a, k) => [...op.get(a), ...part(k, 0, wLo), ...i32x4Add, ...part(k, 8, wHi), ...i32x4Add, ...op.set(a)]),
    ...op.get(j), ...op.i32(16), ...op.i32Add, ...op.tee(j), ...op.get(rowBytes), ...op.i32LtU, ...op.brIf(0),
    ...op.end,
  ];
};
const storeSum = (out, acc) => [
  ...op.get(out),
  ...op.get(acc), ...extractLane(0),
  ...op.get(acc), ...extractLane(1), ...op.i32Add,
  ...op.get(acc), ...extractLane(2), ...op.i32Add,
  ...op.get(acc), ...extractLane(3), ...op.i32Add,
  ...op.i32Store(0),
  ...op.get(out), ...op.i32(4), ...op.i32Add, ...op.set(out),
];
// The four rows' lane sums as one i32x4 [Σacc0, Σacc1, Σacc2, Σacc3], stored at `out` (then out += 16):
// pairs of lanes added by shuffles instead of twelve lane extractions.
const EVEN_LANES = [0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27];
const ODD_LANES = EVEN_LANES.map((b) => b + 4);
const pairSum = (a, b) => [...op.get(a), ...op.get(b), ...shuffle(EVEN_LANES), ...op.get(a), ...op.get(b), ...shuffle(ODD_LANES), ...i32x4Add];
const storeFourSums = (out, acc) => [
  ...op.get(out),
  ...pairSum(acc[0], acc[1]), ...op.set(acc[0]),
  ...pairSum(acc[2], acc[3]), ...op.set(acc[2]),
  ...pairSum(acc[0], acc[2]),
  ...v128Store(0),
  ...op.get(out), ...op.i32(16), ...op.i32Add, ...op.set(out),
];
const countdown = (count) => [...op.get(count), ...op.i32(1), ...op.i32Sub, ...op.tee(count), ...op.brIf(0)];
// while (count >= 4) { body; count -= 4 }
const whileFour = (count, body) => [
  ...op.block,
  ...op.loop,
  ...op.get(count), ...op.i32(4), ...op.i32LtU, ...op.brIf(1),
  ...body,
  ...op.get(count), ...op.i32(4), ...op.i32Sub, ...op.set(count),
  ...op.br(0),
  ...op.end,
  ...op.end,
];

// scoreI8 — params: 0 codes, 1 count, 2 rowBytes, 3 query, 4 out;
// locals: 5 j, 6 r1, 7 r2, 8 r3 (i32), 9 acc (v128), 10–12 acc1–3, 13 wLo, 14 wHi (v128)
const scoreI8 = [
  ...whileFour(1, [
    ...op.get(0), ...op.get(2), ...op.i32Add, ...op.tee(6), ...op.get(2), ...op.i32Add, ...op.tee(7), ...op.get(2), ...op.i32Add, ...op.set(8),
    ...fourRowDot({ rows: [0, 6, 7, 8], j: 5, acc: [9, 10, 11, 12], wLo: 13, wHi: 14, rowBytes: 2, query: 3 }),
    ...storeFourSums(4, [9, 10, 11, 12]),
    ...op.get(8), ...op.get(2), ...op.i32Add, ...op.set(0),
  ]),
  ...op.block,
  ...op.get(1), ...op.i32Eqz, ...op.brIf(0),
  ...op.loop,
  ...rowDot({ row: 0, j: 5, acc: 9, rowBytes: 2, query: 3 }),
  ...storeSum(4, 9),
  ...op.get(0), ...op.get(2), ...op.i32Add, ...op.set(0),
  ...countdown(1),
  ...op.end,
  ...op.end,
  ...op.end,
];
// scoreRowsI8 — params: 0 base, 1 rows, 2 count, 3 rowBytes, 4 query, 5 out;
// locals: 6 j, 7 row, 8 r1, 9 r2, 10 r3 (i32), 11 acc (v128), 12–14 acc1–3, 15 wLo, 16 wHi (v128)
const rowAt = (k) => [...op.get(0), ...op.get(1), ...op.i32Load(4 * k), ...op.get(3), ...op.i32Mul, ...op.i32Add];
const scoreRowsI8 = [
  ...whileFour(2, [
    ...rowAt(0), ...op.set(7), ...rowAt(1), ...op.set(8), ...rowAt(2), ...op.set(9), ...rowAt(3), ...op.set(10),
    ...fourRowDot({ rows: [7, 8, 9, 10], j: 6, acc: [11, 12, 13, 14], wLo: 15, wHi: 16, rowBytes: 3, query: 4 }),
    ...storeFourSums(5, [11, 12, 13, 14]),
    ...op.get(1), ...op.i32(16), ...op.i32Add, ...op.set(1),
  ]),
  ...op.block,
  ...op.get(2), ...op.i32Eqz, ...op.brIf(0),
  ...op.loop,
  ...rowAt(0), ...op.set(7),
  ...rowDot({ row: 7, j: 6, acc: 11, rowBytes: 3, query: 4 }),
  ...storeSum(5, 11),
  ...op.get(1), ...op.i32(4), ...op.i32Add, ...op.set(1),
  ...countdown(2),
  ...op.end,
  ...op.end,
  ...op.end,
];
// rowsAtLeast — params: 0 scores, 1 count, 2 cut, 3 out, 4 max; locals: 5 i, 6 n, 7 mask (i32), 8 cuts (v128)
// Four scores compared per step; a step with any score at or above the cut writes those rows' numbers.
const keepRow = (lane) => [
  ...op.get(7), ...op.i32(1 << lane), ...op.i32And,
  ...op.if,
  ...op.get(6), ...op.get(4), ...op.i32LtU,
  ...op.if,
  ...op.get(3), ...op.get(6), ...op.i32(2), ...op.i32Shl, ...op.i32Add, ...op.get(5), ...op.i32(lane), ...op.i32Add, ...op.i32Store(0),
  ...op.end,
  ...op.get(6), ...op.i32(1), ...op.i32Add, ...op.set(6),
  ...op.end,
];
const rowsAtLeast = [
  ...op.get(2), ...i32x4Splat, ...op.set(8),
  ...op.block,
  ...op.loop,
  ...op.get(5), ...op.i32(4), ...op.i32Add, ...op.get(1), ...op.i32GtU, ...op.brIf(1),
  ...op.get(0), ...op.get(5), ...op.i32(2), ...op.i32Shl, ...op.i32Add, ...v128Load(0), ...op.get(8), ...i32x4GeS, ...i32x4Bitmask, ...op.tee(7),
  ...op.if,
  ...[0, 1, 2, 3].flatMap(keepRow),
  ...op.end,
  ...op.get(5), ...op.i32(4), ...op.i32Add, ...op.set(5),
  ...op.br(0),
  ...op.end,
  ...op.end,
  // The last count % 4 scores, one at a time (mask bit 0 set when the score passes).
  ...op.block,
  ...op.loop,
  ...op.get(5), ...op.get(1), ...op.i32GeU, ...op.brIf(1),
  ...op.get(0), ...op.get(5), ...op.i32(2), ...op.i32Shl, ...op.i32Add, ...op.i32Load(0), ...op.get(2), ...op.i32GeS, ...op.set(7),
  ...keepRow(0),
  ...op.get(5), ...op.i32(1), ...op.i32Add, ...op.set(5),
  ...op.br(0),
  ...op.end,
  ...op.end,
  ...op.get(6),
  ...op.end,
];
// scoreF32 — params: 0 rows, 1 count, 2 rowBytes, 3 query, 4 out; locals: 5 j (i32), 6 acc (v128)
// out[i] = Σ_j rows[i][j] · query[j] in f32 (four lanes summed at the end), rowBytes / 4 floats a row.
const scoreF32 = [
  ...op.block,
  ...op.get(1), ...op.i32Eqz, ...op.brIf(0),
  ...op.loop,
  ...v128Zero, ...op.set(6),
  ...op.i32(0), ...op.set(5),
  ...op.loop,
  ...op.get(6),
  ...op.get(0), ...op.get(5), ...op.i32Add, ...v128Load(0),
  ...op.get(3), ...op.get(5), ...op.i32Add, ...v128Load(0),
  ...f32x4Mul, ...f32x4Add, ...op.set(6),
  ...op.get(5), ...op.i32(16), ...op.i32Add, ...op.tee(5), ...op.get(2), ...op.i32LtU, ...op.brIf(0),
  ...op.end,
  ...op.get(4),
  ...op.get(6), ...f32x4ExtractLane(0), ...op.get(6), ...f32x4ExtractLane(1), ...f32Add,
  ...op.get(6), ...f32x4ExtractLane(2), ...op.get(6), ...f32x4ExtractLane(3), ...f32Add, ...f32Add,
  ...f32Store(0),
  ...op.get(4), ...op.i32(4), ...op.i32Add, ...op.set(4),
  ...op.get(0), ...op.get(2), ...op.i32Add, ...op.set(0),
  ...countdown(1),
  ...op.end,
  ...op.end,
  ...op.end,
];
const code = (locals, body) => {
  const f = [...vec(locals), ...body];
  return [...uleb(f.length), ...f];
};
const bytes = Uint8Array.from([
  ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
  ...section(1, vec([[0x60, ...vec([I32, I32, I32, I32, I32]), ...vec([])], [0x60, ...vec([I32, I32, I32, I32, I32, I32]), ...vec([])], [0x60, ...vec([I32, I32, I32, I32, I32]), ...vec([I32])]])),
  ...section(3, vec([[0], [1], [2], [0]])),
  ...section(5, vec([[0x00, 1]])),
  ...section(7, vec([[...name('scoreI8'), 0x00, 0], [...name('scoreRowsI8'), 0x00, 1], [...name('rowsAtLeast'), 0x00, 2], [...name('scoreF32'), 0x00, 3], [...name('memory'), 0x02, 0]])),
  ...section(10, vec([code([[4, I32], [6, V128]], scoreI8), code([[5, I32], [6, V128]], scoreRowsI8), code([[3, I32], [1, V128]], rowsAtLeast), code([[1, I32], [1, V128]], scoreF32)])),
]);
new WebAssembly.Module(bytes); // throws, saying where, when the assembled module does not validate

const hex = Buffer.from(bytes).toString('base64');
writeFileSync(
  OUT,
  `// Generated by scripts/make-int8-scan-wasm.mjs: do not edit (the script documents the function).\n` +
    `/** The int8 scan module (${bytes.length} bytes: scoreI8, scoreRowsI8, rowsAtLeast, scoreF32, memory), base64. */\n` +
    `export const INT8_SCAN_WASM_BASE64 = '${hex}';\n`,
);
console.log(`wrote ${OUT} (${bytes.length} bytes)`);
