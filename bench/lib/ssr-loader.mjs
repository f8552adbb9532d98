// The app's TypeScript modules in Node, through Vite's SSR loader: the benches measure the very
// code the app ships, without a build or a browser.
import { createServer } from 'vite';

/**
 * A Vite server in middleware mode rooted at `root` (the repository); load modules with
 * `ssrLoadModule('/src/…')` and `close()` it when done. `alias` is Vite's resolve.alias.
 */
export function createSsrLoader(root, alias = {}) {
  return createServer({
    configFile: false,
    root,
    logLevel: 'error',
    appType: 'custom',
    server: { middlewareMode: true, hmr: false, ws: false },
    optimizeDeps: { noDiscovery: true, include: [] },
    resolve: { alias },
  });
}
