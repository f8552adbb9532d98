// Where a benchmark's CPU goes inside Chromium: CPU-seconds per process kind (browser, renderer,
// gpu, utility, ours = Node/vite) and thread name (CrRendererMain, Compositor, DedicatedWorker
// thread, ThreadPoolForeg…), over an interval or any part of it. Samples every `everyMs`, so threads
// that end during the interval (a worker let go) lose at most one interval of ticks. Linux /proc only;
// elsewhere `stop()` returns null.
import { readFileSync, readdirSync } from 'node:fs';
import { TICK_HZ, cpuAccountingAvailable, treeTicks } from './cpu-monitor.mjs';

/** Chromium's process kind from its command line (--type=renderer …); the browser has none. */
function processKind(pid) {
  try {
    // Chromium's children rewrite their title: one string with spaces instead of NUL-separated arguments.
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split(/[\0 ]/);
    if (!/chrom/i.test(cmd[0] ?? '')) return 'ours';
    const type = cmd.find((a) => a.startsWith('--type='))?.slice(7);
    if (!type) return 'browser';
    if (type === 'utility') return `utility:${cmd.find((a) => a.startsWith('--utility-sub-type='))?.split('.').pop() ?? '?'}`;
    return type;
  } catch {
    return null;
  }
}

/**
 * `${pid}/${tid}` → { group, ticks } for every thread of the process tree under `root`. Every worker
 * thread is called "DedicatedWorker" (Linux keeps 15 characters of "DedicatedWorker thread"), so
 * workers get their place in their process's start order instead: "DedicatedWorker #3" is the
 * third worker thread that process started (tids grow with each new thread).
 */
function threadTicks(root, kinds, workerOrder) {
  const out = new Map();
  for (const pid of treeTicks(root).keys()) {
    if (!kinds.has(pid)) kinds.set(pid, processKind(pid));
    const kind = kinds.get(pid);
    if (!kind) continue;
    let tids;
    try {
      tids = readdirSync(`/proc/${pid}/task`).sort((a, b) => Number(a) - Number(b));
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        let name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        if (name === 'DedicatedWorker') {
          const order = workerOrder.get(pid) ?? workerOrder.set(pid, new Map()).get(pid);
          if (!order.has(tid)) order.set(tid, order.size + 1);
          name = `DedicatedWorker #${order.get(tid)}`;
        }
        const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        out.set(`${pid}/${tid}`, { group: `${kind}: ${name}`, ticks: Number(rest[11]) + Number(rest[12]) });
      } catch {
        /* ended meanwhile */
      }
    }
  }
  return out;
}

/** [{ group, cpuS, threads }] by CPU from `${pid}/${tid}` → { group, ticks }. */
function byGroup(perThread) {
  const ticks = new Map();
  const threads = new Map();
  for (const t of perThread.values()) {
    if (t.ticks <= 0) continue;
    ticks.set(t.group, (ticks.get(t.group) ?? 0) + t.ticks);
    threads.set(t.group, (threads.get(t.group) ?? 0) + 1);
  }
  return [...ticks.entries()]
    .map(([group, n]) => ({ group, cpuS: Number((n / TICK_HZ).toFixed(2)), threads: threads.get(group) }))
    .sort((a, b) => b.cpuS - a.cpuS);
}

export function startThreadCpu({ root = process.pid, everyMs = 1000 } = {}) {
  if (!cpuAccountingAvailable) return { stop: () => null };
  const kinds = new Map();
  const workerOrder = new Map();
  let last = threadTicks(root, kinds, workerOrder);
  /** `${pid}/${tid}` → { group, ticks used since the start }; a thread new since the last sample counts from zero. */
  const perThread = new Map();
  /** Threads per group seen during the interval. */
  const seen = new Map();
  /** { atMs (Date.now()), ticks: `${pid}/${tid}` → ticks used since the start } after every sample. */
  const marks = [{ atMs: Date.now(), ticks: new Map() }];
  const sample = () => {
    const now = threadTicks(root, kinds, workerOrder);
    for (const [key, t] of now) {
      const grown = t.ticks - (last.get(key)?.ticks ?? 0);
      if (grown > 0) perThread.set(key, { group: t.group, ticks: (perThread.get(key)?.ticks ?? 0) + grown });
      if (!seen.has(t.group)) seen.set(t.group, new Set());
      seen.get(t.group).add(key);
    }
    last = now;
    marks.push({ atMs: Date.now(), ticks: new Map([...perThread].map(([key, t]) => [key, t.ticks])) });
  };
  const timer = setInterval(sample, everyMs);
  timer.unref?.();
  const t0 = performance.now();
  let stopped = false;
  return {
    /** [{ group, cpuS, threads }] sorted by CPU, the busiest single threads, and the interval's length. */
    stop() {
      if (!stopped) {
        clearInterval(timer);
        sample();
        stopped = true;
      }
      const seconds = (performance.now() - t0) / 1000;
      const groups = byGroup(perThread).map((g) => ({ ...g, threads: seen.get(g.group)?.size ?? g.threads }));
      const busiest = [...perThread.entries()]
        .map(([key, t]) => ({ thread: `${t.group} ${key}`, cpuS: Number((t.ticks / TICK_HZ).toFixed(2)) }))
        .sort((a, b) => b.cpuS - a.cpuS)
        .slice(0, 10);
      return { seconds: Number(seconds.toFixed(2)), groups, busiest };
    },
    /**
     * CPU by group between the samples nearest to two moments (Date.now() ms) of the interval, and
     * those samples' own moments, so a caller counts the work done between exactly those.
     */
    between(fromMs, toMs) {
      const nearest = (ms) => marks.reduce((a, m) => (Math.abs(m.atMs - ms) < Math.abs(a.atMs - ms) ? m : a));
      const a = nearest(fromMs);
      const b = nearest(toMs);
      const diff = new Map();
      for (const [key, ticks] of b.ticks) diff.set(key, { group: perThread.get(key).group, ticks: ticks - (a.ticks.get(key) ?? 0) });
      return { fromMs: a.atMs, toMs: b.atMs, groups: byGroup(diff) };
    },
  };
}
