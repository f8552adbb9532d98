/**
 * Where the CLIP model comes from. Every source goes through the same transformers.js
 * loading path; they differ only in where the files are read from.
 * - `hub`: the Hugging Face hub, cached in the browser after the first download.
 * - `self-hosted`: `<baseUrl>/<modelId>/…` on this site (e.g. `public/models/`), cached likewise.
 * - `folder`: a folder on this device the user picked; nothing is fetched.
 */
export type ModelSourceKind = 'hub' | 'self-hosted' | 'folder';

export interface ModelSource {
  kind: ModelSourceKind;
  modelId: string;
  /** For `self-hosted`: absolute or site-relative URL of the folder holding `<modelId>/`. */
  baseUrl?: string;
  /** For `folder`: the directory the user picked (structured-cloneable in Chromium). */
  dirHandle?: FileSystemDirectoryHandle;
  /** transformers.js dtype; `q8` reads `onnx/*_model_quantized.onnx`. */
  dtype: 'q8' | 'fp32';
}

export const DEFAULT_MODEL_ID = 'Xenova/clip-vit-base-patch32';
export const EMBEDDING_DIM = 512;

export const DEFAULT_SOURCE: ModelSource = { kind: 'hub', modelId: DEFAULT_MODEL_ID, dtype: 'q8' };

/** Stable key for lineage and for telling apart vectors made by different models. */
export function modelKey(source: Pick<ModelSource, 'modelId' | 'dtype'>): string {
  return `${source.modelId}@${source.dtype}`;
}

export type Backend = 'webgpu' | 'wasm';

export interface BackendChoice {
  backend: Backend;
  /** Why this backend, in words a user can act on. */
  reason: string;
  threads: number;
}

/** Adapter facts that decide whether WebGPU is worth using; software adapters are slower than WASM. */
export interface AdapterFacts {
  hasGpuApi: boolean;
  adapterFound: boolean;
  isFallbackAdapter: boolean;
  vendor?: string;
  architecture?: string;
  description?: string;
}

export function chooseBackend(facts: AdapterFacts, crossOriginIsolated: boolean, cores: number): BackendChoice {
  const threads = crossOriginIsolated ? Math.max(1, Math.min(4, cores)) : 1;
  const wasm = (reason: string): BackendChoice => ({
    backend: 'wasm',
    reason: `${reason}; using WebAssembly with ${threads} thread${threads === 1 ? '' : 's'}${crossOriginIsolated ? '' : ' (page is not cross-origin isolated)'}`,
    threads,
  });
  if (!facts.hasGpuApi) return wasm('WebGPU is not available in this browser');
  if (!facts.adapterFound) return wasm('WebGPU found no GPU adapter');
  const text = `${facts.vendor ?? ''} ${facts.architecture ?? ''} ${facts.description ?? ''}`.toLowerCase();
  if (facts.isFallbackAdapter || /swiftshader|software|llvmpipe/.test(text)) {
    return wasm('the only WebGPU adapter is a software renderer, slower than WebAssembly');
  }
  return { backend: 'webgpu', reason: `WebGPU adapter ${facts.vendor || 'found'}${facts.architecture ? ` (${facts.architecture})` : ''}`, threads };
}
