// CPU accounting for a whole benchmark part run as child processes (bench/run-all.mjs): how many
// cores this process tree used over an interval and how many everything else used.
// Samples every `everyMs`: per live process of our tree, the growth of utime + stime since the last
// sample (a process new since then counts from zero). Processes that exit, and Chromium's children
// that get re-parented away when the browser closes, lose at most one sample interval of ticks;
// reading once at the start and once at the end (bench/lib/cpu-monitor.mjs, right for one
// measurement while its processes live) would lose everything a part's browsers used.
// Linux /proc only; elsewhere every figure is null.
import { readFileSync, readdirSync } from 'node:fs';

const TICK_HZ = 100;

function systemBusyTicks() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, , , irq, softirq, steal] = f;
  return user + nice + system + irq + softirq + (steal || 0);
}

/** pid → utime + stime (ticks) of `root` and its live descendants. */
function treeTicks(root = process.pid) {
  const table = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(name), { ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]) });
    } catch {
      /* exited meanwhile */
    }
  }
  const children = new Map();
  for (const [pid, p] of table) {
    if (!children.has(p.ppid)) children.set(p.ppid, []);
    children.get(p.ppid).push(pid);
  }
  const out = new Map();
  const stack = [root];
  while (stack.length) {
    const pid = stack.pop();
    if (table.has(pid)) out.set(pid, table.get(pid).ticks);
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

export function startTreeCpu({ everyMs = 1000 } = {}) {
  let ok = true;
  let sys0 = 0;
  let last = new Map();
  let ours = 0;
  try {
    sys0 = systemBusyTicks();
    last = treeTicks();
  } catch {
    ok = false;
  }
  const sample = () => {
    const now = treeTicks();
    for (const [pid, t] of now) ours += Math.max(0, t - (last.get(pid) ?? 0));
    last = now;
  };
  const timer = ok ? setInterval(sample, everyMs) : null;
  timer?.unref?.();
  const t0 = performance.now();
  return {
    stop() {
      const seconds = (performance.now() - t0) / 1000;
      if (!ok) return { systemCores: null, oursCores: null, othersCores: null, seconds };
      clearInterval(timer);
      sample();
      const r = (x) => Number(x.toFixed(2));
      const sys = (systemBusyTicks() - sys0) / TICK_HZ / Math.max(seconds, 0.01);
      const mine = ours / TICK_HZ / Math.max(seconds, 0.01);
      return { systemCores: r(sys), oursCores: r(mine), othersCores: r(Math.max(0, sys - mine)), seconds: r(seconds) };
    },
  };
}
