import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../src/lib/core/sha256';

const utf8 = (s: string) => new TextEncoder().encode(s);

// FIPS 180-4 / NIST CSRC example vectors.
const vectors = [
  { name: 'empty', text: '', hex: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
  { name: 'abc', text: 'abc', hex: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad' },
  {
    name: '448-bit message',
    text: 'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
    hex: '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
  },
  {
    name: 'one million a',
    text: 'a'.repeat(1_000_000),
    hex: 'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0',
  },
];

describe('sha256Hex', () => {
  it.each(vectors)('$name as ArrayBuffer', async ({ text, hex }) => {
    const bytes = utf8(text);
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
    expect(await sha256Hex(buffer)).toBe(hex);
  });

  it.each(vectors)('$name as Blob', async ({ text, hex }) => {
    expect(await sha256Hex(new Blob([text]))).toBe(hex);
  });

  it('hashes only the viewed bytes of a typed-array view', async () => {
    const padded = utf8('xxabcyy');
    expect(await sha256Hex(padded.subarray(2, 5))).toBe(vectors[1]!.hex);
    expect(await sha256Hex(new DataView(padded.buffer, 2, 3))).toBe(vectors[1]!.hex);
  });

  it('distinguishes a single changed byte', async () => {
    const a = new Uint8Array(4096);
    const b = a.slice();
    b[4095] = 1;
    expect(await sha256Hex(a)).not.toBe(await sha256Hex(b));
    expect(await sha256Hex(a)).toMatch(/^[0-9a-f]{64}$/);
  });
});
