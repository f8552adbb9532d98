/**
 * An ONNX model's weights referenced in place instead of copied (ONNX external data,
 * https://onnx.ai/onnx/repo-docs/ExternalData.html).
 *
 * ONNX Runtime Web copies a model given as bytes into its wasm heap, parses it there (the weights a
 * second time, as protobuf strings) and builds each weight's tensor from that (a third time). The
 * heap never shrinks, so a q8 ViT-B/32 image tower (88 MB file) leaves ~3× its weights resident.
 * Given the graph with every large weight marked external, pointing at its own bytes inside the
 * original file (mounted as the external data file), the runtime copies each weight once, straight
 * into its tensor.
 *
 * Protocol buffers wire format (https://protobuf.dev/programming-guides/encoding/): ModelProto.graph
 * is field 7; GraphProto.initializer field 5; TensorProto.raw_data field 9, external_data field 13
 * (StringStringEntryProto: key 1, value 2), data_location field 14 (1 = EXTERNAL). Only the main
 * graph's initializers move; everything else is copied byte for byte.
 */

const MODEL_GRAPH = 7;
const GRAPH_INITIALIZER = 5;
const TENSOR_RAW_DATA = 9;
const TENSOR_EXTERNAL_DATA = 13;
const TENSOR_DATA_LOCATION = 14;
const DATA_LOCATION_EXTERNAL = 1;

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

/** Weights smaller than this stay inline: moving them saves nothing worth a lookup. */
export const MIN_EXTERNAL_WEIGHT_BYTES = 1024;

interface Field {
  number: number;
  wireType: number;
  /** Offsets in the buffer: the whole field (tag included), and its payload for LEN fields. */
  start: number;
  end: number;
  payloadStart: number;
}

/** Reads a varint at `pos`; values up to 2^53 (lengths and tags here are far below). */
function readVarint(bytes: Uint8Array, pos: number): [value: number, next: number] {
  let value = 0;
  let scale = 1;
  for (let i = pos; i < bytes.length; i++) {
    const b = bytes[i]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) return [value, i + 1];
    scale *= 128;
    if (scale > 2 ** 63) throw new Error('malformed varint');
  }
  throw new Error('truncated varint');
}

/** The fields of the message in bytes[start, end), in order. */
function fields(bytes: Uint8Array, start: number, end: number): Field[] {
  const out: Field[] = [];
  let pos = start;
  while (pos < end) {
    const fieldStart = pos;
    const [tag, afterTag] = readVarint(bytes, pos);
    const number = Math.floor(tag / 8);
    const wireType = tag % 8;
    let payloadStart = afterTag;
    if (wireType === WIRE_VARINT) pos = readVarint(bytes, afterTag)[1];
    else if (wireType === WIRE_FIXED64) pos = afterTag + 8;
    else if (wireType === WIRE_FIXED32) pos = afterTag + 4;
    else if (wireType === WIRE_LEN) {
      const [length, afterLength] = readVarint(bytes, afterTag);
      payloadStart = afterLength;
      pos = afterLength + length;
    } else throw new Error(`unsupported protobuf wire type ${wireType}`);
    if (pos > end) throw new Error('truncated protobuf field');
    out.push({ number, wireType, start: fieldStart, end: pos, payloadStart });
  }
  return out;
}

/** Bytes written in pieces, joined once. */
class Writer {
  readonly parts: Uint8Array[] = [];
  length = 0;

  bytes(b: Uint8Array): void {
    this.parts.push(b);
    this.length += b.length;
  }

  varint(value: number): void {
    const out: number[] = [];
    let v = value;
    while (v >= 0x80) {
      out.push((v % 128) | 0x80);
      v = Math.floor(v / 128);
    }
    out.push(v);
    this.bytes(Uint8Array.from(out));
  }

  /** A LEN field holding `payload`. */
  lenField(number: number, payload: Uint8Array): void {
    this.varint(number * 8 + WIRE_LEN);
    this.varint(payload.length);
    this.bytes(payload);
  }

  join(): Uint8Array {
    const out = new Uint8Array(this.length);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

const utf8 = new TextEncoder();

function stringEntry(key: string, value: string): Uint8Array {
  const w = new Writer();
  w.lenField(1, utf8.encode(key));
  w.lenField(2, utf8.encode(value));
  return w.join();
}

/** A TensorProto with its raw_data moved out, or null when it keeps it (none, or small). */
function externalTensor(model: Uint8Array, tensor: Field, location: string, minBytes: number): Uint8Array | null {
  const parts = fields(model, tensor.payloadStart, tensor.end);
  const raw = parts.find((f) => f.number === TENSOR_RAW_DATA && f.wireType === WIRE_LEN);
  if (!raw || raw.end - raw.payloadStart < minBytes) return null;
  if (parts.some((f) => f.number === TENSOR_EXTERNAL_DATA || f.number === TENSOR_DATA_LOCATION)) return null;
  const w = new Writer();
  for (const f of parts) if (f !== raw) w.bytes(model.subarray(f.start, f.end));
  w.lenField(TENSOR_EXTERNAL_DATA, stringEntry('location', location));
  w.lenField(TENSOR_EXTERNAL_DATA, stringEntry('offset', String(raw.payloadStart)));
  w.lenField(TENSOR_EXTERNAL_DATA, stringEntry('length', String(raw.end - raw.payloadStart)));
  w.varint(TENSOR_DATA_LOCATION * 8 + WIRE_VARINT);
  w.varint(DATA_LOCATION_EXTERNAL);
  return w.join();
}

/**
 * The model's graph with each main-graph weight of at least `minBytes` stored externally at its
 * own offset in `model` under the file name `location`: give the runtime this graph plus `model`
 * itself mounted as `location`. Null when no weight moves (a model whose weights are already
 * external, or tiny). Throws on bytes that are not a protobuf message.
 */
export function graphWithWeightsInPlace(model: Uint8Array, location: string, minBytes = MIN_EXTERNAL_WEIGHT_BYTES): Uint8Array | null {
  const top = new Writer();
  let moved = 0;
  for (const f of fields(model, 0, model.length)) {
    if (f.number !== MODEL_GRAPH || f.wireType !== WIRE_LEN) {
      top.bytes(model.subarray(f.start, f.end));
      continue;
    }
    const graph = new Writer();
    for (const g of fields(model, f.payloadStart, f.end)) {
      const tensor = g.number === GRAPH_INITIALIZER && g.wireType === WIRE_LEN ? externalTensor(model, g, location, minBytes) : null;
      if (tensor) {
        graph.lenField(GRAPH_INITIALIZER, tensor);
        moved++;
      } else graph.bytes(model.subarray(g.start, g.end));
    }
    top.lenField(MODEL_GRAPH, graph.join());
  }
  return moved > 0 ? top.join() : null;
}
