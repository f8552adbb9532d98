import { describe, expect, it } from 'vitest';
import { offlineParts, type CachedFile } from '../../../src/lib/core/offline-parts';

const file = (cacheName: string, path: string, sizeBytes: number): CachedFile => ({ cacheName, path, sizeBytes });

describe('offlineParts', () => {
  it('adds up cached files into parts named for the user, largest first', () => {
    const parts = offlineParts([
      file('workbox-precache-v2-https://shoebox.example/', '/index.html', 1_000),
      file('workbox-precache-v2-https://shoebox.example/', '/assets/index-abc.js', 250_000),
      file('shoebox-runtime', '/assets/ort-wasm-simd-threaded.asyncify-x.wasm', 26_861_777),
      file('shoebox-runtime', '/assets/ort-wasm-simd-threaded.asyncify-y.mjs', 53_057),
      file('shoebox-runtime', '/assets/naming.worker-z.js', 423_018),
      file('transformers-cache', '/models/clip/onnx/vision_model_quantized.onnx', 88_000_000),
      file('transformers-cache', '/models/clip/tokenizer.json', 2_000_000),
    ]);
    expect(parts).toEqual([
      { name: 'Search model', detail: 'downloaded with the first photos or search', sizeBytes: 90_000_000, files: 2 },
      { name: 'Search model runtime', detail: 'ONNX Runtime, downloaded with the model', sizeBytes: 26_914_834, files: 2 },
      { name: 'Shoebox', detail: 'the app itself', sizeBytes: 674_018, files: 3 },
    ]);
  });

  it('names the video decoder, the HEIC decoder and the places table once they are cached', () => {
    const names = offlineParts([
      file('shoebox-runtime', '/assets/ffmpeg-core-a.wasm', 32_232_419),
      file('shoebox-runtime', '/assets/ffmpeg-core-b.js', 111_804),
      file('shoebox-runtime', '/assets/libheif-c.wasm', 1_400_000),
      file('shoebox-runtime', '/places/cities-d.bin', 2_000_000),
      file('workbox-precache-v2-https://shoebox.example/', '/assets/places.worker-e.js', 20_000),
    ]).map((p) => [p.name, p.files]);
    // The places worker's script is the app's own code, not the table it reads.
    expect(names).toEqual([['Video decoder', 2], ['Places table', 1], ['HEIC decoder', 1], ['Shoebox', 1]]);
  });

  it('is empty when nothing is cached', () => {
    expect(offlineParts([])).toEqual([]);
  });
});
