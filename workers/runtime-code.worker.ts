/// <reference lib="webworker" />
// Holds ONNX Runtime's compiled wasm while the model may start again soon. V8 shares compiled wasm
// between the workers of one process while one of them holds the module: a model runtime started
// meanwhile (the import right after the first load, a search after an import) instantiates the
// machine code already there instead of compiling the runtime's wasm again, which on a two-core machine
// took seconds and ~150 MB more at the moment the image tower loads (bench/results/memory-findings.md).
// The embed host ends this worker when it releases the idle model, and the code's memory with it,
// or once a runtime started from this code has run its tower (that runtime holds the code then).

/** What the embed host asks to keep: the running build's wasm, by its key in the model loader's cache. */
export interface KeepRequest {
  cacheName: string;
  wasmUrl: string;
}

/** Kept only so the compiled code stays alive; never instantiated here. */
let compiled: WebAssembly.Module | null = null;

/** Compiles the runtime's wasm from the model loader's browser cache (the running runtime's code, so found at once). */
async function keep({ cacheName, wasmUrl }: KeepRequest): Promise<void> {
  const cached = await (await caches.open(cacheName)).match(wasmUrl);
  if (!cached) return;
  const bytes = new Response(await cached.blob(), { headers: { 'content-type': 'application/wasm' } });
  compiled = await WebAssembly.compileStreaming(bytes);
}

self.onmessage = (e: MessageEvent<KeepRequest>) => {
  if (!compiled) void keep(e.data).catch(() => undefined);
};
