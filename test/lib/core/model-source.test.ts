import { describe, expect, it } from 'vitest';
import { chooseBackend, modelKey, type AdapterFacts } from '../../../src/lib/core/model-source';

const NO_GPU: AdapterFacts = { hasGpuApi: false, adapterFound: false, isFallbackAdapter: false };
const NO_ADAPTER: AdapterFacts = { hasGpuApi: true, adapterFound: false, isFallbackAdapter: false };
const FALLBACK: AdapterFacts = { hasGpuApi: true, adapterFound: true, isFallbackAdapter: true };
// What Chrome reports for its software adapter when no GPU is usable.
const SWIFTSHADER: AdapterFacts = {
  hasGpuApi: true,
  adapterFound: true,
  isFallbackAdapter: false,
  vendor: 'google',
  architecture: 'swiftshader',
  description: 'SwiftShader Device (Subzero)',
};
const LLVMPIPE: AdapterFacts = { hasGpuApi: true, adapterFound: true, isFallbackAdapter: false, vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.7, 256 bits)' };
const NVIDIA: AdapterFacts = { hasGpuApi: true, adapterFound: true, isFallbackAdapter: false, vendor: 'nvidia', architecture: 'ampere' };
const APPLE: AdapterFacts = { hasGpuApi: true, adapterFound: true, isFallbackAdapter: false, vendor: 'apple', architecture: '' };
const ANON: AdapterFacts = { hasGpuApi: true, adapterFound: true, isFallbackAdapter: false };

describe('chooseBackend: which backend and why', () => {
  it.each([
    { name: 'no navigator.gpu', facts: NO_GPU, backend: 'wasm', reason: /WebGPU is not available/ },
    { name: 'no adapter', facts: NO_ADAPTER, backend: 'wasm', reason: /no GPU adapter/ },
    { name: 'fallback adapter', facts: FALLBACK, backend: 'wasm', reason: /software/ },
    { name: 'SwiftShader', facts: SWIFTSHADER, backend: 'wasm', reason: /software/ },
    { name: 'llvmpipe', facts: LLVMPIPE, backend: 'wasm', reason: /software/ },
    { name: 'NVIDIA', facts: NVIDIA, backend: 'webgpu', reason: /^WebGPU adapter nvidia \(ampere\)$/ },
    { name: 'Apple, empty architecture', facts: APPLE, backend: 'webgpu', reason: /^WebGPU adapter apple$/ },
    { name: 'adapter without info', facts: ANON, backend: 'webgpu', reason: /^WebGPU adapter found$/ },
  ])('$name → $backend', ({ facts, backend, reason }) => {
    const got = chooseBackend(facts, true, 8);
    expect(got.backend).toBe(backend);
    expect(got.reason).toMatch(reason);
  });

  it('every WebAssembly choice says it is using WebAssembly', () => {
    for (const facts of [NO_GPU, NO_ADAPTER, FALLBACK, SWIFTSHADER, LLVMPIPE]) {
      expect(chooseBackend(facts, true, 8).reason).toMatch(/using WebAssembly with 4 threads$/);
    }
  });
});

describe('chooseBackend: threads', () => {
  it.each([
    { isolated: true, cores: 8, threads: 4 },
    { isolated: true, cores: 4, threads: 4 },
    { isolated: true, cores: 3, threads: 3 },
    { isolated: true, cores: 2, threads: 2 },
    { isolated: true, cores: 1, threads: 1 },
    // hardwareConcurrency can be missing or 0 in odd environments.
    { isolated: true, cores: 0, threads: 1 },
    { isolated: false, cores: 8, threads: 1 },
    { isolated: false, cores: 1, threads: 1 },
  ])('isolated=$isolated, cores=$cores → $threads', ({ isolated, cores, threads }) => {
    for (const facts of [NO_GPU, SWIFTSHADER, NVIDIA]) expect(chooseBackend(facts, isolated, cores).threads).toBe(threads);
  });

  it.each([
    { isolated: true, cores: 8, reason: 'WebGPU is not available in this browser; using WebAssembly with 4 threads' },
    { isolated: true, cores: 1, reason: 'WebGPU is not available in this browser; using WebAssembly with 1 thread' },
    {
      isolated: false,
      cores: 8,
      reason: 'WebGPU is not available in this browser; using WebAssembly with 1 thread (page is not cross-origin isolated)',
    },
  ])('wasm reason names the thread count (isolated=$isolated, cores=$cores)', ({ isolated, cores, reason }) => {
    expect(chooseBackend(NO_GPU, isolated, cores).reason).toBe(reason);
  });
});

describe('modelKey', () => {
  it.each([
    { modelId: 'Xenova/clip-vit-base-patch32', dtype: 'q8' as const, want: 'Xenova/clip-vit-base-patch32@q8' },
    { modelId: 'Xenova/clip-vit-base-patch32', dtype: 'fp32' as const, want: 'Xenova/clip-vit-base-patch32@fp32' },
  ])('$modelId/$dtype → $want', ({ modelId, dtype, want }) => {
    expect(modelKey({ modelId, dtype })).toBe(want);
  });
});
