/**
 * Where import time goes: per-stage elapsed time of the ingest pipeline.
 *
 * The pipeline has two lanes that run at the same time: while the model embeds batch n (and its
 * assets are committed), batch n+1 is read, hashed, decoded and resized. So the stage totals add up
 * to more than the wall-clock time whenever the lanes overlap, and the slowest lane — not the
 * slowest stage overall — sets the import rate. The maths here is deliberately plain:
 *
 *   msPerItem(stage) = totalMs(stage) / count(stage)
 *   laneMsPerItem    = Σ msPerItem over the lane's stages (one item's path through that lane)
 *   critical lane    = the lane with the larger laneMsPerItem (the steady-state limit per item)
 *   bottleneck       = the stage with the largest msPerItem in the critical lane
 *   busyMs           = Σ totalMs over all stages ("worker-busy" time; shares are of this)
 *   wallMs           = last measured end − first measured start
 *   overlapMs        = max(0, busyMs − wallMs): work that ran concurrently with other work
 *   otherMs          = max(0, wallMs − the critical lane's totalMs): time the critical lane
 *                      stood idle (waiting for the other lane, queue bookkeeping, job records)
 *
 * Times are elapsed times around awaited steps, in milliseconds. Both lanes share one worker
 * thread for their JavaScript, so a stage's elapsed time can include a slice of the other lane's
 * work: the figures locate the bottleneck, they are not CPU profiles.
 */

/** Pipeline order. `read` is the original's bytes coming back from storage plus the file-kind sniff. */
export const STAGES = ['read', 'sha256', 'decode', 'resize', 'phash', 'model', 'store'] as const;
export type Stage = (typeof STAGES)[number];

export type Lane = 'prepare' | 'commit';

/** Read → pHash run ahead for the next batch; model and store run for the current one. */
export const STAGE_LANE: Record<Stage, Lane> = {
  read: 'prepare',
  sha256: 'prepare',
  decode: 'prepare',
  resize: 'prepare',
  phash: 'prepare',
  model: 'commit',
  store: 'commit',
};

export interface StageFigure {
  stage: Stage;
  totalMs: number;
  /** Items measured (photos, video files; for `model`, the images sent to the model). */
  count: number;
  /** totalMs / count; 0 when nothing was measured. */
  msPerItem: number;
  /** totalMs / busyMs, in [0, 1]. */
  share: number;
}

export interface StageTimings {
  /** Every stage in pipeline order, measured or not. */
  stages: StageFigure[];
  busyMs: number;
  wallMs: number;
  overlapMs: number;
  otherMs: number;
  lanes: Record<Lane, { totalMs: number; msPerItem: number }>;
  criticalLane: Lane | null;
  /** null until anything was measured. */
  bottleneck: Stage | null;
}

/** Accumulates stage spans; the clock is the caller's (performance.now() in the worker). */
export class StageClock {
  #totals = new Map<Stage, { totalMs: number; count: number }>();
  #firstMs = Infinity;
  #lastMs = -Infinity;

  /** One span of `stage` from `startMs` to `endMs` covering `count` items. Negative spans count as 0. */
  add(stage: Stage, startMs: number, endMs: number, count = 1): void {
    const t = this.#totals.get(stage) ?? { totalMs: 0, count: 0 };
    t.totalMs += Math.max(0, endMs - startMs);
    t.count += count;
    this.#totals.set(stage, t);
    this.#firstMs = Math.min(this.#firstMs, startMs);
    this.#lastMs = Math.max(this.#lastMs, endMs);
  }

  get empty(): boolean {
    return this.#totals.size === 0;
  }

  reset(): void {
    this.#totals.clear();
    this.#firstMs = Infinity;
    this.#lastMs = -Infinity;
  }

  snapshot(): StageTimings {
    return summarize(
      STAGES.map((stage) => ({ stage, ...(this.#totals.get(stage) ?? { totalMs: 0, count: 0 }) })),
      this.empty ? 0 : this.#lastMs - this.#firstMs,
    );
  }
}

/** The figures above from raw totals and the wall-clock span. */
export function summarize(totals: { stage: Stage; totalMs: number; count: number }[], wallMs: number): StageTimings {
  const byStage = new Map(totals.map((t) => [t.stage, t]));
  const busyMs = totals.reduce((s, t) => s + t.totalMs, 0);
  const stages: StageFigure[] = STAGES.map((stage) => {
    const { totalMs = 0, count = 0 } = byStage.get(stage) ?? {};
    return { stage, totalMs, count, msPerItem: count > 0 ? totalMs / count : 0, share: busyMs > 0 ? totalMs / busyMs : 0 };
  });
  const lanes: StageTimings['lanes'] = { prepare: { totalMs: 0, msPerItem: 0 }, commit: { totalMs: 0, msPerItem: 0 } };
  for (const s of stages) {
    lanes[STAGE_LANE[s.stage]].totalMs += s.totalMs;
    lanes[STAGE_LANE[s.stage]].msPerItem += s.msPerItem;
  }
  const measured = stages.some((s) => s.count > 0);
  const criticalLane: Lane | null = measured ? (lanes.commit.msPerItem >= lanes.prepare.msPerItem ? 'commit' : 'prepare') : null;
  let bottleneck: Stage | null = null;
  for (const s of stages) {
    if (criticalLane && STAGE_LANE[s.stage] === criticalLane && s.count > 0 && (bottleneck === null || s.msPerItem > stages[STAGES.indexOf(bottleneck)].msPerItem))
      bottleneck = s.stage;
  }
  return {
    stages,
    busyMs,
    wallMs,
    overlapMs: Math.max(0, busyMs - wallMs),
    otherMs: criticalLane ? Math.max(0, wallMs - lanes[criticalLane].totalMs) : 0,
    lanes,
    criticalLane,
    bottleneck,
  };
}
