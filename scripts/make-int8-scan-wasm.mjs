#!/usr/bin/env node
// Writes src/lib/search/int8-scan-wasm.ts: the bytes of a tiny WebAssembly module (two functions,
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
// so it equals the plain JS sum.
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
  simd: (code, ...imm) => [0xfd, ...uleb(code), ...imm],
};
const v128Load = (offset) => op.simd(0x00, 0, ...uleb(offset));
const load8x8s = (offset) => op.simd(0x01, 0, ...uleb(offset));
const v128Zero = op.simd(0x0c, ...new Array(16).fill(0));
const extractLane = (lane) => op.simd(0x1b, lane);
const i32x4Add = op.simd(0xae);
const dotI16 = op.simd(0xba);

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
const storeSum = (out, acc) => [
  ...op.get(out),
  ...op.get(acc), ...extractLane(0),
  ...op.get(acc), ...extractLane(1), ...op.i32Add,
  ...op.get(acc), ...extractLane(2), ...op.i32Add,
  ...op.get(acc), ...extractLane(3), ...op.i32Add,
  ...op.i32Store(0),
  ...op.get(out), ...op.i32(4), ...op.i32Add, ...op.set(out),
];
const countdown = (count) => [...op.get(count), ...op.i32(1), ...op.i32Sub, ...op.tee(count), ...op.brIf(0)];

// scoreI8 — params: 0 codes, 1 count, 2 rowBytes, 3 query, 4 out; locals: 5 j (i32), 6 acc (v128)
const scoreI8 = [
  ...op.block,
  ...op.get(1), ...op.i32Eqz, ...op.brIf(0),
  ...op.loop,
  ...rowDot({ row: 0, j: 5, acc: 6, rowBytes: 2, query: 3 }),
  ...storeSum(4, 6),
  ...op.get(0), ...op.get(2), ...op.i32Add, ...op.set(0),
  ...countdown(1),
  ...op.end,
  ...op.end,
  ...op.end,
];
// scoreRowsI8 — params: 0 base, 1 rows, 2 count, 3 rowBytes, 4 query, 5 out; locals: 6 j, 7 row (i32), 8 acc (v128)
const scoreRowsI8 = [
  ...op.block,
  ...op.get(2), ...op.i32Eqz, ...op.brIf(0),
  ...op.loop,
  ...op.get(0), ...op.get(1), ...op.i32Load(0), ...op.get(3), ...op.i32Mul, ...op.i32Add, ...op.set(7),
  ...rowDot({ row: 7, j: 6, acc: 8, rowBytes: 3, query: 4 }),
  ...storeSum(5, 8),
  ...op.get(1), ...op.i32(4), ...op.i32Add, ...op.set(1),
  ...countdown(2),
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
  ...section(1, vec([[0x60, ...vec([I32, I32, I32, I32, I32]), ...vec([])], [0x60, ...vec([I32, I32, I32, I32, I32, I32]), ...vec([])]])),
  ...section(3, vec([[0], [1]])),
  ...section(5, vec([[0x00, 1]])),
  ...section(7, vec([[...name('scoreI8'), 0x00, 0], [...name('scoreRowsI8'), 0x00, 1], [...name('memory'), 0x02, 0]])),
  ...section(10, vec([code([[1, I32], [1, V128]], scoreI8), code([[2, I32], [1, V128]], scoreRowsI8)])),
]);
if (!WebAssembly.validate(bytes)) throw new Error('the assembled module does not validate');

const hex = Buffer.from(bytes).toString('base64');
writeFileSync(
  OUT,
  `// Generated by scripts/make-int8-scan-wasm.mjs: do not edit (the script documents the function).\n` +
    `/** The int8 scan module (${bytes.length} bytes: scoreI8, scoreRowsI8, memory), base64. */\n` +
    `export const INT8_SCAN_WASM_BASE64 = '${hex}';\n`,
);
console.log(`wrote ${OUT} (${bytes.length} bytes)`);
