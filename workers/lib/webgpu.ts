import type { AdapterFacts } from '../../src/lib/core/model-source';

type Adapter = { isFallbackAdapter?: boolean; info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean } };

/**
 * What WebGPU offers here, for core/model-source.ts's backend choice: is there an API, an adapter,
 * and is it a software fallback (SwiftShader: correct but far slower than WASM). `error` says why
 * the probe gave up (requestAdapter threw, or did not answer within `timeoutMs`); no adapter is
 * then assumed. Used by the embed worker and the bench page, so both judge the same facts.
 */
export async function probeWebGpu(timeoutMs = Infinity): Promise<{ facts: AdapterFacts; error: string | null }> {
  const gpu = (navigator as Navigator & { gpu?: { requestAdapter(): Promise<unknown> } }).gpu;
  const none: AdapterFacts = { hasGpuApi: Boolean(gpu), adapterFound: false, isFallbackAdapter: false };
  if (!gpu) return { facts: none, error: null };
  try {
    const request = gpu.requestAdapter() as Promise<Adapter | null>;
    const adapter = Number.isFinite(timeoutMs) ? await Promise.race([request, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs))]) : await request;
    if (adapter === 'timeout') return { facts: none, error: `requestAdapter() did not answer within ${timeoutMs / 1000} s` };
    if (!adapter) return { facts: none, error: null };
    const info = adapter.info ?? {};
    return {
      facts: {
        hasGpuApi: true,
        adapterFound: true,
        isFallbackAdapter: Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter),
        vendor: info.vendor,
        architecture: info.architecture,
        description: info.description,
      },
      error: null,
    };
  } catch (err) {
    return { facts: none, error: err instanceof Error ? err.message : String(err) };
  }
}
