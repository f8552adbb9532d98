import { defineConfig, type Plugin } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { VitePWA } from 'vite-plugin-pwa';
import { LIBHEIF_CACHE, RUNTIME_CACHE } from './src/lib/core/offline-parts';
import { placesTablePlugin } from './scripts/places-table-plugin';

/**
 * Extra origins the page may call as its VLM endpoint (a self-hosted Gemini proxy), from
 * SHOEBOX_VLM_ORIGINS: space- or comma-separated origins such as "https://gemini-proxy.example.com".
 * Each is reduced to its origin, so nothing else can be slipped into the policy.
 */
function extraVlmOrigins(raw = process.env.SHOEBOX_VLM_ORIGINS ?? ''): string[] {
  return raw
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((entry) => {
      const url = URL.canParse(entry) ? new URL(entry) : null;
      if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) throw new Error(`SHOEBOX_VLM_ORIGINS: not an http(s) origin: ${entry}`);
      return url.origin;
    });
}

/**
 * Cross-origin isolation gives ONNX Runtime its WASM threads (SharedArrayBuffer).
 * The CSP allows wasm compilation but no eval and no inline script; the only remote
 * hosts are the model hub (first model download) and the VLM endpoint the user opts into.
 */
const securityHeaders: Record<string, string> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Content-Security-Policy': [
    "default-src 'self'",
    "script-src 'self' 'wasm-unsafe-eval' blob:",
    "worker-src 'self' blob:",
    "style-src 'self'",
    "img-src 'self' blob: data:",
    "media-src 'self' blob:",
    "connect-src 'self' blob: data: https://huggingface.co https://*.huggingface.co https://*.hf.co https://generativelanguage.googleapis.com" + extraVlmOrigins().map((o) => ` ${o}`).join(''),
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

/** `vite preview` has no per-file header hook for the service worker; this adds one. */
function securityHeadersPlugin(): Plugin {
  const apply = (_req: unknown, res: { setHeader(k: string, v: string): void }, next: () => void) => {
    for (const [k, v] of Object.entries(securityHeaders)) res.setHeader(k, v);
    next();
  };
  return {
    name: 'shoebox-security-headers',
    configureServer(server) {
      // The dev server injects component CSS at run time, which a strict style-src forbids;
      // it keeps isolation (threads) but not the CSP. `npm start` serves the real build.
      server.middlewares.use((req, res, next) => {
        for (const [k, v] of Object.entries(securityHeaders)) if (k !== 'Content-Security-Policy') res.setHeader(k, v);
        next();
      });
    },
    configurePreviewServer(server) {
      server.middlewares.use(apply);
    },
  };
}

export default defineConfig({
  plugins: [
    svelte(),
    securityHeadersPlugin(),
    placesTablePlugin(),
    VitePWA({
      registerType: 'autoUpdate',
      injectRegister: false,
      manifest: {
        name: 'Shoebox',
        short_name: 'Shoebox',
        description: 'Your photos and videos, searchable by meaning, private to this device.',
        theme_color: '#1f2933',
        background_color: '#f5f3ef',
        display: 'standalone',
        start_url: '.',
        icons: [
          { src: 'icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: 'icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        // The app shell only, so a first visit costs about 0.5 MB. The rest is cached the first time it
        // is used and works offline from then on: the ffmpeg core (32 MB) when a video first needs it
        // and the naming worker when clusters are first named (runtimeCaching below); the model and
        // the ONNX Runtime wasm (27 MB) when the model first loads, by the model loader itself
        // (transformers.js's browser cache), so they are not stored twice. libheif (HEIC/HEIF decoding,
        // ~1.4 MB wasm + glue) is fetched by the ingest worker only when a HEIC is first met.
        globPatterns: ['**/*.{js,mjs,css,html,png,svg,webmanifest}'],
        globIgnores: ['models/**', 'places/**', '**/libheif-*.{js,wasm}', 'assets/ort-wasm-*', 'assets/ffmpeg-core-*', 'assets/naming.worker-*'],
        // A new version takes over open tabs at once instead of waiting for every tab to close.
        skipWaiting: true,
        clientsClaim: true,
        navigateFallbackDenylist: [/^\/models\//, /^\/places\//],
        runtimeCaching: [
          {
            // libheif's glue and wasm, hashed names: cached the first time a HEIC is decoded, so it decodes offline after
            // (src/lib/ingest/libheif-loader.ts fills the same cache when its worker fetched them past the service worker).
            urlPattern: ({ url }) => /\/libheif-[^/]*\.(?:js|wasm)$/.test(url.pathname),
            handler: 'CacheFirst',
            // ignoreVary: the server varies on Origin, which a module import sends and the loader's own fetch does not.
            options: { cacheName: LIBHEIF_CACHE, cacheableResponse: { statuses: [200] }, matchOptions: { ignoreVary: true } },
          },
          {
            // Built files left out of the precache; their names carry a content hash, so a cached copy never goes stale.
            // The ONNX Runtime files are left to the model loader, which keeps its own copy.
            urlPattern: ({ url, sameOrigin }) => sameOrigin && url.pathname.includes('/assets/') && !url.pathname.includes('/ort-wasm'),
            handler: 'CacheFirst',
            options: { cacheName: RUNTIME_CACHE, cacheableResponse: { statuses: [200] }, matchOptions: { ignoreVary: true } },
          },
          {
            // The offline places table (GeoNames): fetched and cached the first time an item has a GPS position.
            urlPattern: ({ url }) => url.pathname.includes('/places/'),
            handler: 'CacheFirst',
            options: { cacheName: 'shoebox-places', cacheableResponse: { statuses: [200] } },
          },
        ],
      },
    }),
  ],
  // No SPA fallback: a missing model file must be a 404, not index.html parsed as JSON.
  appType: 'mpa',
  worker: { format: 'es' },
  // @ffmpeg/ffmpeg starts its own worker from new URL('./worker.js', import.meta.url): pre-bundling breaks that URL.
  optimizeDeps: { exclude: ['@huggingface/transformers', 'onnxruntime-web', '@ffmpeg/ffmpeg'] },
  build: { target: 'es2022', chunkSizeWarningLimit: 2048 },
  preview: { headers: securityHeaders },
});
