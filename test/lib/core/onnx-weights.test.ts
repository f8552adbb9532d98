import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { MIN_EXTERNAL_WEIGHT_BYTES, graphWithWeightsInPlace } from '../../../src/lib/core/onnx-weights';

// A few protobuf messages written by hand, so the rewrite is checked field by field.
const varint = (v: number): number[] => {
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  return [...out, v];
};
const len = (field: number, payload: ArrayLike<number>): number[] => [...varint(field * 8 + 2), ...varint(payload.length), ...Array.from(payload)];
const int = (field: number, value: number): number[] => [...varint(field * 8), ...varint(value)];
const text = (s: string) => Array.from(new TextEncoder().encode(s));

interface Parsed {
  number: number;
  wireType: number;
  value: number | Uint8Array;
  payloadOffset: number;
}

/** Fields of one message, as a reader independent of the code under test sees them. */
function parse(bytes: Uint8Array): Parsed[] {
  const out: Parsed[] = [];
  let pos = 0;
  const read = (): number => {
    let v = 0;
    let scale = 1;
    for (;;) {
      const b = bytes[pos++]!;
      v += (b & 0x7f) * scale;
      scale *= 128;
      if (b < 0x80) return v;
    }
  };
  while (pos < bytes.length) {
    const tag = read();
    const wireType = tag % 8;
    if (wireType === 0) out.push({ number: Math.floor(tag / 8), wireType, value: read(), payloadOffset: -1 });
    else {
      const n = read();
      out.push({ number: Math.floor(tag / 8), wireType, value: bytes.subarray(pos, pos + n), payloadOffset: pos });
      pos += n;
    }
  }
  return out;
}

const entries = (tensor: Parsed[]) =>
  Object.fromEntries(tensor.filter((f) => f.number === 13).map((f) => parse(f.value as Uint8Array).map((e) => new TextDecoder().decode(e.value as Uint8Array)) as [string, string]));

describe('graphWithWeightsInPlace', () => {
  const big = Uint8Array.from({ length: 3000 }, (_, i) => (i * 7) % 251);
  const small = Uint8Array.from({ length: MIN_EXTERNAL_WEIGHT_BYTES - 1 }, (_, i) => i % 13);
  const bigTensor = [...len(8, text('w_big')), ...int(2, 3), ...int(1, 3000), ...len(9, big)];
  const smallTensor = [...len(8, text('w_small')), ...int(2, 3), ...len(9, small)];
  const node = len(1, [...len(1, text('x')), ...len(2, text('y')), ...len(4, text('MatMulInteger'))]);
  const graph = [...node, ...len(2, text('g')), ...len(5, bigTensor), ...len(5, smallTensor), ...len(11, len(1, text('x')))];
  const model = Uint8Array.from([...int(1, 8), ...len(2, text('producer')), ...len(7, graph), ...len(8, [...len(1, []), ...int(2, 17)])]);

  it('moves a large weight out, pointing at its bytes in the file, and keeps every other field as it was', () => {
    const out = graphWithWeightsInPlace(model, 'vision.weights')!;
    expect(out.length).toBeLessThan(model.length - big.length + 200);
    const top = parse(out);
    const original = parse(model);
    expect(top.map((f) => f.number)).toEqual([1, 2, 7, 8]);
    expect(top[0]!.value).toBe(8);
    expect(top[1]!.value).toEqual(original[1]!.value);
    expect(top[3]!.value).toEqual(original[3]!.value);
    const g = parse(top[2]!.value as Uint8Array);
    expect(g.map((f) => f.number)).toEqual([1, 2, 5, 5, 11]);
    expect(g[0]!.value).toEqual(Uint8Array.from(node.slice(2)));
    const moved = parse(g[2]!.value as Uint8Array);
    expect(moved.find((f) => f.number === 9)).toBeUndefined();
    expect(moved.find((f) => f.number === 14)?.value).toBe(1);
    // Name, data type and dims as they were.
    expect(moved.slice(0, 3).map((f) => [f.number, f.value])).toEqual([
      [8, Uint8Array.from(text('w_big'))],
      [2, 3],
      [1, 3000],
    ]);
    const ext = entries(moved);
    expect(ext.location).toBe('vision.weights');
    const offset = Number(ext.offset);
    expect(Number(ext.length)).toBe(big.length);
    expect(model.subarray(offset, offset + big.length)).toEqual(big);
    // The small weight stays inline, byte for byte.
    expect(g[3]!.value).toEqual(Uint8Array.from(smallTensor));
  });

  it('returns null when no weight is large enough, or all are external already', () => {
    const onlySmall = Uint8Array.from([...int(1, 8), ...len(7, [...node, ...len(5, smallTensor)])]);
    expect(graphWithWeightsInPlace(onlySmall, 'w')).toBeNull();
    const moved = graphWithWeightsInPlace(model, 'w')!;
    expect(graphWithWeightsInPlace(moved, 'w')).toBeNull();
  });

  it('refuses bytes that are not a protobuf message', () => {
    expect(() => graphWithWeightsInPlace(Uint8Array.from([0x0a, 0x7f, 1, 2]), 'w')).toThrow();
    expect(() => graphWithWeightsInPlace(Uint8Array.from([0x0b, 1]), 'w')).toThrow();
  });

  // The e2e fixture model's towers (fp32 and q8) through ONNX Runtime: the same outputs with the
  // weights mounted as external data as with the whole file.
  const dir = 'test/fixtures/models/shoebox-fixture-clip/onnx';
  it.each(['vision_model.onnx', 'vision_model_quantized.onnx', 'text_model.onnx', 'text_model_quantized.onnx'])('%s gives the same outputs in ONNX Runtime', async (file) => {
    const whole = new Uint8Array(readFileSync(`${dir}/${file}`));
    const graphOnly = graphWithWeightsInPlace(whole, 'tower.weights', 64)!;
    expect(graphOnly.length).toBeLessThan(whole.length / 2);
    const a = await ort.InferenceSession.create(whole);
    const b = await ort.InferenceSession.create(graphOnly, { externalData: [{ path: 'tower.weights', data: whole }] });
    const feeds: Record<string, ort.Tensor> = {};
    for (const name of a.inputNames) {
      if (name === 'pixel_values') feeds[name] = new ort.Tensor('float32', Float32Array.from({ length: 2 * 3 * 224 * 224 }, (_, i) => Math.sin(i / 7)), [2, 3, 224, 224]);
      else feeds[name] = new ort.Tensor('int64', BigInt64Array.from({ length: 2 * 7 }, (_, i) => BigInt(1 + ((i * 13) % 100))), [2, 7]);
    }
    const [ra, rb] = [await a.run(feeds), await b.run(feeds)];
    for (const name of a.outputNames) expect(rb[name]!.data).toEqual(ra[name]!.data);
  });
});
