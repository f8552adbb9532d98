// What the renderer's memory is made of, for the benches that watch it (bench/soak.mjs,
// bench/memory.mjs): the JS heap of every dedicated worker over CDP, and the renderer's PSS split by
// mapping kind from /proc.
import { readFileSync, readdirSync } from 'node:fs';
import { round } from './bench-page.mjs';

const MB = 2 ** 20;

/**
 * Runs in the page before the app (`addInitScript`): the app's workers, by the name they were
 * started with, in `window.__appWorkers`, so a probe can end them one at a time.
 */
export function trackWorkers() {
  const Original = window.Worker;
  window.__appWorkers = [];
  window.Worker = class extends Original {
    constructor(url, options) {
      super(url, options);
      window.__appWorkers.push({ name: options?.name ?? String(url), worker: this, live: true });
    }
    terminate() {
      for (const w of window.__appWorkers) if (w.worker === this) w.live = false;
      super.terminate();
    }
  };
}

/**
 * Dedicated workers are not page targets: they are reached through Target.setAutoAttach on the page's
 * CDP session. Playwright's CDPSession cannot address flattened child sessions, so this uses the
 * non-flattened protocol (Target.sendMessageToTarget), nesting the envelope once per level so the
 * workers that workers start (ONNX Runtime's threads) are reached too.
 */
export function workerTracker(cdp) {
  const targets = new Map(); // chain key → { chain, url, type, attachedAtMs }
  const pending = new Map(); // message id → resolve
  let nextId = 1_000_000;
  const key = (chain) => chain.join('/');

  const onMessage = (chain, msg) => {
    if (msg.id != null && pending.has(msg.id)) {
      pending.get(msg.id)(msg);
      pending.delete(msg.id);
      return;
    }
    if (msg.method === 'Target.receivedMessageFromTarget') onMessage([...chain, msg.params.sessionId], JSON.parse(msg.params.message));
    else if (msg.method === 'Target.attachedToTarget') attached([...chain, msg.params.sessionId], msg.params.targetInfo);
    else if (msg.method === 'Target.detachedFromTarget') targets.delete(key([...chain, msg.params.sessionId]));
  };

  const send = (chain, method, params = {}, timeoutMs = 5000) => {
    let id = nextId++;
    const inner = id;
    let message = JSON.stringify({ id, method, params });
    for (let i = chain.length - 1; i >= 1; i--) {
      id = nextId++;
      message = JSON.stringify({ id, method: 'Target.sendMessageToTarget', params: { sessionId: chain[i], message } });
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(inner);
        reject(new Error(`${method}: no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      pending.set(inner, (msg) => {
        clearTimeout(timer);
        if (msg.error) reject(new Error(`${method}: ${msg.error.message}`));
        else resolve(msg.result);
      });
      cdp.send('Target.sendMessageToTarget', { sessionId: chain[0], message }).catch((err) => {
        clearTimeout(timer);
        pending.delete(inner);
        reject(err);
      });
    });
  };

  const attached = (chain, info) => {
    targets.set(key(chain), { chain, url: info.url, type: info.type, attachedAtMs: Date.now() });
    send(chain, 'Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false }).catch(() => {});
  };

  cdp.on('Target.attachedToTarget', (p) => attached([p.sessionId], p.targetInfo));
  cdp.on('Target.detachedFromTarget', (p) => targets.delete(p.sessionId));
  cdp.on('Target.receivedMessageFromTarget', (p) => onMessage([p.sessionId], JSON.parse(p.message)));

  return {
    start: () => cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false }),
    /** JS heap of every live worker, after a GC in it when `gc`; `trace`: a worker that does not answer is asked again next time. */
    async heaps(gc, trace = false) {
      const out = [];
      await Promise.all(
        [...targets.values()].map(async (t) => {
          const name = workerName(t.url);
          // ONNX Runtime's thread workers sit in Atomics.wait inside wasm and never answer the
          // debugger; asking once is enough, asking every sample would stall the curve.
          if (t.unresponsive) return out.push({ name, depth: t.chain.length, error: 'does not answer the debugger' });
          try {
            if (gc) await send(t.chain, 'HeapProfiler.collectGarbage', {}, 3000);
            const h = await send(t.chain, 'Runtime.getHeapUsage', {}, 3000);
            t.answered = true;
            out.push({ name, depth: t.chain.length, ...heapUsage(h) });
          } catch (err) {
            // A worker that answered before is busy (a long clustering run), not parked: ask again next time.
            if (/no answer/.test(err.message) && !t.answered && !trace) t.unresponsive = true;
            out.push({ name, depth: t.chain.length, error: String(err.message || err).slice(0, 120) });
          }
        }),
      );
      return out.sort((a, b) => a.name.localeCompare(b.name));
    },
  };
}

/**
 * Runtime.getHeapUsage in MB. backingStorageSize is the ArrayBuffer memory the isolate holds outside
 * its JS heap (typed-array stores, wasm memories); embedderHeapUsedSize is Blink's Oilpan heap.
 */
export function heapUsage(h) {
  const mb = (x) => (Number.isFinite(x) ? round(x / MB, 2) : null);
  return { usedMB: mb(h.usedSize), totalMB: mb(h.totalSize), arrayBuffersMB: mb(h.backingStorageSize), embedderMB: mb(h.embedderHeapUsedSize) };
}

/**
 * Renderer PSS split by mapping kind (/proc/<pid>/smaps): anonymous memory (V8 heaps, PartitionAlloc,
 * ArrayBuffers, wasm memories), memfd shared memory (Blink's discardable decoded-image cache, blob
 * transfers), the native heap, files. Shows where growth outside the JS heaps lives.
 */
export function rendererMappings() {
  const out = {};
  const parent = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      parent.set(name, stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    } catch {
      /* gone */
    }
  }
  // Only this run's browser: other Chromium instances may run on the same machine.
  const ours = (pid) => {
    for (let p = pid, hops = 0; p && p !== '0' && hops < 10; p = parent.get(p), hops++) if (p === String(process.pid)) return true;
    return false;
  };
  for (const name of parent.keys()) {
    if (!ours(name)) continue;
    let cmd = '';
    try {
      cmd = readFileSync(`/proc/${name}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (!/chrom/i.test(cmd.split('\0')[0]) || !cmd.includes('--type=renderer')) continue;
    let text = '';
    try {
      text = readFileSync(`/proc/${name}/smaps`, 'utf8');
    } catch {
      continue;
    }
    let label = '';
    for (const line of text.split('\n')) {
      const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
      if (head) {
        const path = head[1].trim();
        // Blink's discardable memory (decoded-image caches) and blob transfers live in memfd regions.
        if (!path) label = '[anon]';
        else if (/^\/(memfd:|dev\/shm\/)/.test(path)) label = 'shared memory';
        else if (path.startsWith('/')) label = /\.so|chromium|chrome/.test(path) ? 'code and data files' : 'other files';
        else label = path.replace(/^\[anon:([^\]:]+).*$/, '[anon:$1]');
        continue;
      }
      const pss = /^Pss:\s+(\d+)/.exec(line);
      if (pss) out[label] = (out[label] ?? 0) + Number(pss[1]) / 1024;
    }
  }
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v >= 1).map(([k, v]) => [k, round(v, 1)]));
}

/** "embed.worker", "index.worker", … from a hashed asset URL; blob: workers (ONNX Runtime threads) by kind. */
export function workerName(url) {
  const file = (url || '').split('?')[0].split('/').pop() ?? '';
  const m = /^([\w-]+?\.worker|[\w-]+?)(?:-[\w-]{6,})?\.m?js$/.exec(file);
  if (m) return m[1];
  if (url.startsWith('blob:')) return 'blob worker';
  return file || url || 'worker';
}
