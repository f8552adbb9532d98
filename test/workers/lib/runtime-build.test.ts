import { describe, expect, it } from 'vitest';
import { chooseRuntimeBuild, type RuntimeBuild, type RuntimeCache, type RuntimeFiles } from '../../../workers/lib/runtime-build';

const FILES: Record<RuntimeBuild, RuntimeFiles> = {
  'wasm-only': { wasm: 'https://shoebox.test/assets/ort-wasm-simd-threaded-a1.wasm', mjs: 'https://shoebox.test/assets/ort-wasm-simd-threaded-b2.mjs' },
  webgpu: { wasm: 'https://shoebox.test/assets/ort-wasm-simd-threaded.asyncify-c3.wasm', mjs: 'https://shoebox.test/assets/ort-wasm-simd-threaded.asyncify-d4.mjs' },
};

/** The model cache holding `stored`; `online` says whether adding a file can fetch it. */
function cacheWith(stored: string[], online: boolean): RuntimeCache & { urls: Set<string> } {
  const urls = new Set(stored);
  return {
    urls,
    match: async (url) => (urls.has(url) ? new Response('bytes') : undefined),
    add: async (url) => {
      if (!online) throw new TypeError('Failed to fetch');
      urls.add(url);
    },
  };
}

describe('chooseRuntimeBuild', () => {
  it('runs WebGPU on the build that has it, whatever is stored', async () => {
    expect(await chooseRuntimeBuild('webgpu', FILES, cacheWith([FILES['wasm-only'].wasm], false))).toBe('webgpu');
    expect(await chooseRuntimeBuild('webgpu', FILES, null)).toBe('webgpu');
  });

  it('runs the CPU on the wasm-only build on a first load, and from what is stored after it', async () => {
    expect(await chooseRuntimeBuild('wasm', FILES, cacheWith([], true))).toBe('wasm-only');
    expect(await chooseRuntimeBuild('wasm', FILES, cacheWith([], false))).toBe('wasm-only');
    expect(await chooseRuntimeBuild('wasm', FILES, null)).toBe('wasm-only');
    const both = [FILES['wasm-only'].wasm, FILES['wasm-only'].mjs, FILES.webgpu.wasm, FILES.webgpu.mjs];
    expect(await chooseRuntimeBuild('wasm', FILES, cacheWith(both, false))).toBe('wasm-only');
  });

  it('fetches and stores the wasm-only build for a library whose stored runtime is the other one', async () => {
    const cache = cacheWith([FILES.webgpu.wasm, FILES.webgpu.mjs], true);
    expect(await chooseRuntimeBuild('wasm', FILES, cache)).toBe('wasm-only');
    expect(cache.urls.has(FILES['wasm-only'].wasm) && cache.urls.has(FILES['wasm-only'].mjs)).toBe(true);
  });

  it('counts a build with one of its two files stored as not stored, and a cache that cannot be read as empty', async () => {
    const half = cacheWith([FILES['wasm-only'].wasm, FILES.webgpu.wasm, FILES.webgpu.mjs], false);
    expect(await chooseRuntimeBuild('wasm', FILES, half)).toBe('webgpu');
    const broken: RuntimeCache = { match: () => Promise.reject(new DOMException('gone', 'InvalidStateError')), add: () => Promise.reject(new TypeError('Failed to fetch')) };
    expect(await chooseRuntimeBuild('wasm', FILES, broken)).toBe('wasm-only');
  });

  it('keeps such a library loading offline with the build it has stored', async () => {
    const cache = cacheWith([FILES.webgpu.wasm, FILES.webgpu.mjs], false);
    expect(await chooseRuntimeBuild('wasm', FILES, cache)).toBe('webgpu');
    expect(cache.urls.size).toBe(2);
  });
});
