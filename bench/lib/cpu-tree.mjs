// CPU accounting for a whole benchmark part run as child processes (bench/run-all.mjs): how many
// cores this process tree used over an interval and how many everything else used.
// Samples every `everyMs`: per live process of our tree, the growth of utime + stime since the last
// sample (a process new since then counts from zero). Processes that exit, and Chromium's children
// that get re-parented away when the browser closes, lose at most one sample interval of ticks;
// reading once at the start and once at the end (bench/lib/cpu-monitor.mjs, right for one
// measurement while its processes live) would lose everything a part's browsers used.
// Linux /proc only; elsewhere every figure is null.
import { TICK_HZ, systemTicks, treeTicks } from './cpu-monitor.mjs';

const systemBusyTicks = () => systemTicks().busy;

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
