// A Vite dev server for bench pages that run the app's TypeScript in Chromium (transformed on
// request) and read the bench's data from memory: `files` maps a path to its bytes, `handle`
// answers computed requests (return true when it did), and every response carries the app's
// script policy (vite.config.ts), so wasm may compile ('wasm-unsafe-eval') and nothing may eval.
import { createServer } from 'vite';
import { ROOT } from './bench-page.mjs';

/**
 * @param {Record<string, Buffer>} files
 * @param {(url: URL, res: import('node:http').ServerResponse) => boolean} [handle]
 * @param {number} [port]
 * @returns {Promise<{ origin: string, close: () => Promise<void> }>}
 */
export async function serveBenchData(files, handle = () => false, port = 0) {
  const server = await createServer({
    configFile: false,
    root: ROOT,
    logLevel: 'error',
    appType: 'custom',
    server: { port, strictPort: port !== 0, host: '127.0.0.1', hmr: false, ws: false },
    optimizeDeps: { noDiscovery: true, include: [] },
    plugins: [
      {
        name: 'bench-data',
        configureServer(s) {
          s.middlewares.use((req, res, next) => {
            res.setHeader('Content-Security-Policy', "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; worker-src 'self'");
            const url = new URL(req.url ?? '/', 'http://x');
            if (handle(url, res)) return;
            const body = files[url.pathname];
            if (!body) return next();
            res.setHeader('Content-Type', url.pathname.endsWith('.html') ? 'text/html' : 'application/octet-stream');
            res.end(body);
          });
        },
      },
    ],
  });
  await server.listen();
  return { origin: `http://127.0.0.1:${server.httpServer.address().port}`, close: () => server.close() };
}
