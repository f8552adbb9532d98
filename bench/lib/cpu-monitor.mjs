// CPU accounting for benchmarks on a shared machine: how much CPU the whole system used during an
// interval, how much of it was ours (this process and its descendants: vite preview, Chromium), and so
// how much other processes took. Linux /proc only; elsewhere every figure is null.
import { readFileSync, readdirSync } from 'node:fs';
import os from 'node:os';

export const TICK_HZ = 100; // USER_HZ, 100 on every Linux this runs on

export function systemTicks() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = f;
  return { busy: user + nice + system + irq + softirq + (steal || 0), total: f.reduce((a, b) => a + b, 0) };
}

function processTable() {
  const table = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Fields after the ")" that closes the command name: state ppid ... utime(14) stime(15).
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(name), { ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]) });
    } catch {
      /* exited meanwhile */
    }
  }
  return table;
}

/** pid → cpu ticks for `root` and all its descendants. */
export function treeTicks(root = process.pid) {
  const table = processTable();
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

export const cpuAccountingAvailable = (() => {
  try {
    readFileSync('/proc/stat');
    return true;
  } catch {
    return false;
  }
})();

/** Starts an interval; `stop()` returns average cores used: { systemCores, oursCores, othersCores, seconds }. */
export function startCpuInterval() {
  if (!cpuAccountingAvailable) return { stop: () => ({ systemCores: null, oursCores: null, othersCores: null, seconds: null }) };
  const t0 = performance.now();
  const s0 = systemTicks();
  const ours0 = treeTicks();
  return {
    stop() {
      const seconds = (performance.now() - t0) / 1000;
      const s1 = systemTicks();
      let ours = 0;
      for (const [pid, ticks] of treeTicks()) ours += ticks - (ours0.get(pid) ?? 0);
      const systemCores = (s1.busy - s0.busy) / TICK_HZ / seconds;
      const oursCores = ours / TICK_HZ / seconds;
      const r = (x) => Number(x.toFixed(2));
      return { systemCores: r(systemCores), oursCores: r(oursCores), othersCores: r(Math.max(0, systemCores - oursCores)), seconds: r(seconds) };
    },
  };
}

/**
 * Waits until other processes use less than `maxOthersCores` over a `sampleMs` window, for at most
 * `maxWaitMs`. Returns the last sample and whether the machine was quiet.
 */
export async function waitForQuiet({ maxOthersCores = 0.25, sampleMs = 2000, maxWaitMs = 60_000, log = () => {} } = {}) {
  const until = Date.now() + maxWaitMs;
  let sample;
  let said = false;
  for (;;) {
    const iv = startCpuInterval();
    await new Promise((r) => setTimeout(r, sampleMs));
    sample = iv.stop();
    if (sample.othersCores === null || sample.othersCores <= maxOthersCores) return { quiet: true, sample };
    if (Date.now() > until) return { quiet: false, sample };
    if (!said) {
      log(`  other processes are using ${sample.othersCores} of ${os.availableParallelism?.() ?? os.cpus().length} cores; waiting up to ${Math.round(maxWaitMs / 1000)} s for a quiet machine`);
      said = true;
    }
  }
}

/** Samples contention every `everyMs`; `stop()` returns [{ tS (end of window, s since start), seconds, oursCores, othersCores, systemCores }]. */
export function startCpuSeries(everyMs = 2000) {
  const series = [];
  const t0 = performance.now();
  let iv = startCpuInterval();
  const timer = setInterval(() => {
    const w = iv.stop();
    iv = startCpuInterval();
    series.push({ tS: Number(((performance.now() - t0) / 1000).toFixed(2)), ...w });
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      return series;
    },
  };
}
