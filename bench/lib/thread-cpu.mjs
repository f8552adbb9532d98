// Where a benchmark's CPU goes inside Chromium: CPU-seconds per process kind (browser, renderer,
// gpu, utility, ours = Node/vite) and thread name (CrRendererMain, Compositor, DedicatedWorker
// thread, ThreadPoolForeg…), over an interval. Samples every `everyMs`, so threads that end during
// the interval (a worker let go) lose at most one interval of ticks. Linux /proc only; elsewhere
// `stop()` returns null.
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

/** `${pid}/${tid}` → { group, ticks } for every thread of the process tree under `root`. */
function threadTicks(root, kinds) {
  const out = new Map();
  for (const pid of treeTicks(root).keys()) {
    if (!kinds.has(pid)) kinds.set(pid, processKind(pid));
    const kind = kinds.get(pid);
    if (!kind) continue;
    let tids;
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) {
      try {
        const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
        const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
        const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        out.set(`${pid}/${tid}`, { group: `${kind}: ${name}`, ticks: Number(rest[11]) + Number(rest[12]) });
      } catch {
        /* ended meanwhile */
      }
    }
  }
  return out;
}

export function startThreadCpu({ root = process.pid, everyMs = 1000 } = {}) {
  if (!cpuAccountingAvailable) return { stop: () => null };
  const kinds = new Map();
  let last = threadTicks(root, kinds);
  /** group → ticks used since the start; a thread new since the last sample counts from zero. */
  const used = new Map();
  /** `${pid}/${tid}` → { group, ticks used since the start }. */
  const perThread = new Map();
  /** Threads per group seen during the interval. */
  const seen = new Map();
  const sample = () => {
    const now = threadTicks(root, kinds);
    for (const [key, t] of now) {
      const grown = t.ticks - (last.get(key)?.ticks ?? 0);
      if (grown > 0) {
        used.set(t.group, (used.get(t.group) ?? 0) + grown);
        perThread.set(key, { group: t.group, ticks: (perThread.get(key)?.ticks ?? 0) + grown });
      }
      if (!seen.has(t.group)) seen.set(t.group, new Set());
      seen.get(t.group).add(key);
    }
    last = now;
  };
  const timer = setInterval(sample, everyMs);
  timer.unref?.();
  const t0 = performance.now();
  return {
    /** [{ group, cpuS, threads }] sorted by CPU, the busiest single threads, and the interval's length. */
    stop() {
      clearInterval(timer);
      sample();
      const seconds = (performance.now() - t0) / 1000;
      const groups = [...used.entries()]
        .map(([group, ticks]) => ({ group, cpuS: Number((ticks / TICK_HZ).toFixed(2)), threads: seen.get(group)?.size ?? 0 }))
        .sort((a, b) => b.cpuS - a.cpuS);
      const busiest = [...perThread.entries()]
        .map(([key, t]) => ({ thread: `${t.group} ${key}`, cpuS: Number((t.ticks / TICK_HZ).toFixed(2)) }))
        .sort((a, b) => b.cpuS - a.cpuS)
        .slice(0, 10);
      return { seconds: Number(seconds.toFixed(2)), groups, busiest };
    },
  };
}
