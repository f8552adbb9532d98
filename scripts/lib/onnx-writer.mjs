// Minimal, dependency-free ONNX (protobuf) writer.
//
// Covers exactly the subset of onnx.proto needed to build small inference
// graphs: ModelProto, GraphProto, NodeProto, AttributeProto, TensorProto
// (raw_data), ValueInfoProto/TypeProto/TensorShapeProto and OperatorSetIdProto.
// Field numbers follow https://github.com/onnx/onnx/blob/main/onnx/onnx.proto.
// Output is fully deterministic: same input -> same bytes.

// ---------------------------------------------------------------------------
// Protobuf wire encoding
// ---------------------------------------------------------------------------

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1; // unused, listed for completeness
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;
void WIRE_FIXED64;

const textEncoder = new TextEncoder();

/** Append-only byte buffer. */
class Writer {
  constructor() {
    /** @type {Uint8Array[]} */
    this.chunks = [];
    this.length = 0;
  }
  push(bytes) {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }
  /** Unsigned/signed varint; negative numbers are encoded as 10-byte two's complement (int64). */
  varint(value) {
    let v = BigInt.asUintN(64, BigInt(value));
    const out = [];
    do {
      let byte = Number(v & 0x7fn);
      v >>= 7n;
      if (v !== 0n) byte |= 0x80;
      out.push(byte);
    } while (v !== 0n);
    this.push(Uint8Array.from(out));
  }
  tag(field, wire) {
    this.varint((field << 3) | wire);
  }
  finish() {
    const out = new Uint8Array(this.length);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}

/** Helpers for encoding one message. Each method appends one field. */
class Message {
  constructor() {
    this.w = new Writer();
  }
  int(field, value) {
    if (value === undefined || value === null) return this;
    this.w.tag(field, WIRE_VARINT);
    this.w.varint(value);
    return this;
  }
  /** Repeated integer, unpacked encoding (accepted by every protobuf parser). */
  ints(field, values) {
    for (const v of values ?? []) this.int(field, v);
    return this;
  }
  float(field, value) {
    if (value === undefined || value === null) return this;
    this.w.tag(field, WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.w.push(b);
    return this;
  }
  floats(field, values) {
    for (const v of values ?? []) this.float(field, v);
    return this;
  }
  bytes(field, value) {
    if (value === undefined || value === null) return this;
    this.w.tag(field, WIRE_LEN);
    this.w.varint(value.length);
    this.w.push(value);
    return this;
  }
  string(field, value) {
    if (value === undefined || value === null) return this;
    return this.bytes(field, textEncoder.encode(value));
  }
  strings(field, values) {
    for (const v of values ?? []) this.string(field, v);
    return this;
  }
  /** Embedded message (already encoded to bytes). */
  message(field, encoded) {
    return this.bytes(field, encoded);
  }
  messages(field, list) {
    for (const m of list ?? []) this.message(field, m);
    return this;
  }
  finish() {
    return this.w.finish();
  }
}

// ---------------------------------------------------------------------------
// ONNX enums
// ---------------------------------------------------------------------------

/** TensorProto.DataType */
export const DataType = Object.freeze({
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
});

/** AttributeProto.AttributeType */
const AttrType = Object.freeze({
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
});

// ---------------------------------------------------------------------------
// ONNX messages
// ---------------------------------------------------------------------------

/**
 * TensorProto with raw_data (little-endian).
 * @param {string} name
 * @param {number[]} dims
 * @param {Float32Array|BigInt64Array|Int32Array|Uint8Array|number[]} data
 * @param {number} [dataType] defaults from the typed array kind (number[] -> FLOAT)
 */
export function tensor(name, dims, data, dataType) {
  let raw;
  if (dataType === undefined) {
    if (data instanceof BigInt64Array) dataType = DataType.INT64;
    else if (data instanceof Int32Array) dataType = DataType.INT32;
    else if (data instanceof Uint8Array) dataType = DataType.UINT8;
    else dataType = DataType.FLOAT;
  }
  const count = dims.reduce((a, b) => a * b, 1);
  if (data.length !== count) {
    throw new Error(`tensor ${name}: dims ${dims} need ${count} values, got ${data.length}`);
  }
  switch (dataType) {
    case DataType.FLOAT: {
      const dv = new DataView(new ArrayBuffer(count * 4));
      for (let i = 0; i < count; i++) dv.setFloat32(i * 4, Number(data[i]), true);
      raw = new Uint8Array(dv.buffer);
      break;
    }
    case DataType.INT64: {
      const dv = new DataView(new ArrayBuffer(count * 8));
      for (let i = 0; i < count; i++) dv.setBigInt64(i * 8, BigInt(data[i]), true);
      raw = new Uint8Array(dv.buffer);
      break;
    }
    case DataType.INT32: {
      const dv = new DataView(new ArrayBuffer(count * 4));
      for (let i = 0; i < count; i++) dv.setInt32(i * 4, Number(data[i]), true);
      raw = new Uint8Array(dv.buffer);
      break;
    }
    case DataType.UINT8:
    case DataType.INT8:
    case DataType.BOOL:
      raw = Uint8Array.from(data, Number);
      break;
    default:
      throw new Error(`tensor ${name}: unsupported data type ${dataType}`);
  }
  return new Message()
    .ints(1, dims) // dims
    .int(2, dataType) // data_type
    .string(8, name) // name
    .bytes(9, raw) // raw_data
    .finish();
}

/**
 * AttributeProto. Type is inferred from the JS value:
 * integer -> INT, non-integer number -> FLOAT, string -> STRING,
 * number[] of integers -> INTS, number[] -> FLOATS, string[] -> STRINGS,
 * Uint8Array (encoded tensor) -> TENSOR.
 * Use {floats: [...]}/{float: x} to force float types for integral values.
 */
function attribute(name, value) {
  const m = new Message().string(1, name);
  if (value && typeof value === 'object' && 'float' in value) {
    return m.float(2, value.float).int(20, AttrType.FLOAT).finish();
  }
  if (value && typeof value === 'object' && 'floats' in value) {
    return m.floats(7, value.floats).int(20, AttrType.FLOATS).finish();
  }
  if (value instanceof Uint8Array) {
    return m.message(5, value).int(20, AttrType.TENSOR).finish();
  }
  if (typeof value === 'number') {
    return Number.isInteger(value)
      ? m.int(3, value).int(20, AttrType.INT).finish()
      : m.float(2, value).int(20, AttrType.FLOAT).finish();
  }
  if (typeof value === 'string') {
    return m.string(4, value).int(20, AttrType.STRING).finish();
  }
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string')) {
      return m.strings(9, value).int(20, AttrType.STRINGS).finish();
    }
    if (value.every((v) => Number.isInteger(v))) {
      return m.ints(8, value).int(20, AttrType.INTS).finish();
    }
    return m.floats(7, value).int(20, AttrType.FLOATS).finish();
  }
  throw new Error(`attribute ${name}: unsupported value ${value}`);
}

/**
 * NodeProto.
 * @param {string} opType
 * @param {string[]} inputs
 * @param {string[]} outputs
 * @param {Record<string, unknown>} [attrs]
 * @param {string} [name]
 */
export function node(opType, inputs, outputs, attrs = {}, name) {
  return new Message()
    .strings(1, inputs)
    .strings(2, outputs)
    .string(3, name ?? `${opType}_${outputs[0]}`)
    .string(4, opType)
    .messages(
      5,
      Object.keys(attrs)
        .sort()
        .map((k) => attribute(k, attrs[k])),
    )
    .finish();
}

/**
 * ValueInfoProto for a tensor.
 * @param {string} name
 * @param {number} elemType DataType
 * @param {(number|string)[]} shape numbers -> dim_value, strings -> dim_param
 */
export function valueInfo(name, elemType, shape) {
  const dims = shape.map((d) =>
    typeof d === 'string' ? new Message().string(2, d).finish() : new Message().int(1, d).finish(),
  );
  const shapeProto = new Message().messages(1, dims).finish();
  const tensorType = new Message().int(1, elemType).message(2, shapeProto).finish();
  const typeProto = new Message().message(1, tensorType).finish();
  return new Message().string(1, name).message(2, typeProto).finish();
}

/**
 * GraphProto.
 * @param {{name: string, nodes: Uint8Array[], initializers?: Uint8Array[], inputs: Uint8Array[], outputs: Uint8Array[], docString?: string}} g
 */
export function graph({ name, nodes, initializers = [], inputs, outputs, docString }) {
  return new Message()
    .messages(1, nodes)
    .string(2, name)
    .messages(5, initializers)
    .string(10, docString)
    .messages(11, inputs)
    .messages(12, outputs)
    .finish();
}

/**
 * ModelProto.
 * @param {{graph: Uint8Array, irVersion?: number, opset?: number, producerName?: string, producerVersion?: string, docString?: string, metadata?: Record<string,string>}} m
 */
export function model({
  graph: graphBytes,
  irVersion = 8,
  opset = 17,
  producerName = 'shoebox-onnx-writer',
  producerVersion = '1',
  docString,
  metadata = {},
}) {
  const opsetId = new Message().string(1, '').int(2, opset).finish();
  const props = Object.keys(metadata)
    .sort()
    .map((k) => new Message().string(1, k).string(2, String(metadata[k])).finish());
  return new Message()
    .int(1, irVersion) // ir_version
    .string(2, producerName) // producer_name
    .string(3, producerVersion) // producer_version
    .int(5, 1) // model_version
    .string(6, docString) // doc_string
    .message(7, graphBytes) // graph
    .messages(8, [opsetId]) // opset_import
    .messages(14, props) // metadata_props
    .finish();
}
