// Which ONNX Runtime build runs the model. onnxruntime-web ships a wasm-only build (14 MB of wasm)
// and the build that can also drive WebGPU (27 MB, compiled with asyncify). On the CPU both run the
// same kernels at the same speed, but the smaller one takes less memory to compile and to keep:
// a first model load peaked ~120 MB lower and the renderer held ~50 MB less between model uses
// (bench/results/memory-peak.md). WebGPU needs the larger one.
import type { Backend } from '../../src/lib/core/model-source';

export type RuntimeBuild = 'wasm-only' | 'webgpu';

/** Where a build's two files are served (absolute URLs, also their keys in the model cache). */
export interface RuntimeFiles {
  wasm: string;
  mjs: string;
}

/** The part of the Web Cache API the choice needs (the model loader's cache, where the runtime is kept for offline use). */
export interface RuntimeCache {
  match(url: string): Promise<Response | undefined>;
  add(url: string): Promise<void>;
}

/**
 * The build for `backend`. WebGPU needs its own; the CPU gets the wasm-only build, unless only the
 * other build's files are stored (a library made ready for offline use before the CPU had a build
 * of its own) and the wasm-only files cannot be fetched now: the stored build then runs on the CPU,
 * as it did, so the model still loads offline. Fetched files are stored for the next start.
 */
export async function chooseRuntimeBuild(backend: Backend, files: Record<RuntimeBuild, RuntimeFiles>, cache: RuntimeCache | null): Promise<RuntimeBuild> {
  if (backend === 'webgpu') return 'webgpu';
  if (!cache) return 'wasm-only';
  // A cache that cannot be read counts as holding nothing: the files are fetched as on a first load.
  const stored = ({ wasm, mjs }: RuntimeFiles) =>
    Promise.all([cache.match(wasm), cache.match(mjs)]).then(
      (found) => found.every(Boolean),
      () => false,
    );
  const [wasmOnly, other] = await Promise.all([stored(files['wasm-only']), stored(files.webgpu)]);
  if (wasmOnly || !other) return 'wasm-only';
  try {
    await Promise.all([cache.add(files['wasm-only'].wasm), cache.add(files['wasm-only'].mjs)]);
    return 'wasm-only';
  } catch {
    return 'webgpu';
  }
}
