import { runQualityCheck, type CheckProgress, type QualityEmbedder, type QualityReport } from '../quality/quality-check';
import { videoExtractOptions } from '../ingest/asset-records';
import { figuresInWorker } from '../clients/quality-figures';
import { plural } from '../core/plural';
import type { Session } from './session.svelte';

export type { CheckProgress, QualityReport };

/** What the search quality check needs from the rest of the library. */
export interface QualityCheckHost {
  session: Session;
  /** Speaks through the page's polite live region. */
  announce(text: string): void;
  /** The current model's thresholds changed: what was grouped or folded with the old ones is worked out again. */
  thresholdsChanged(): void;
}

const PHASE_TEXT: Record<CheckProgress['phase'], string> = {
  photos: 'Reading photos',
  videos: 'Reading videos',
  labels: 'Reading labels',
  figures: 'Working out the figures',
};

/**
 * Settings → "Check search quality": a labelled folder measured with the loaded model, in memory
 * (quality/quality-check.ts), never added to the library; the report, and its thresholds applied
 * to the current model or taken back.
 */
export class QualityCheckState {
  status = $state<'idle' | 'running' | 'done' | 'failed' | 'cancelled'>('idle');
  progress = $state<CheckProgress | null>(null);
  report = $state.raw<QualityReport | null>(null);
  /** Why the folder could not be checked, in the user's terms. */
  message = $state('');

  #host: QualityCheckHost;
  #abort: AbortController | null = null;

  constructor(host: QualityCheckHost) {
    this.#host = host;
  }

  /** The check needs the model. */
  get canRun(): boolean {
    return this.#host.session.ready && this.#host.session.embedder !== null;
  }

  get progressText(): string {
    const p = this.progress;
    if (!p) return '';
    return p.phase === 'figures' ? `${PHASE_TEXT.figures}…` : `${PHASE_TEXT[p.phase]}: ${p.done} of ${p.total}`;
  }

  /** The thresholds stored for the current model, if any came from a check. */
  get applied(): { relevanceZ: number; similarMinCosine: number | null; measuredAt: string } | null {
    return this.#host.session.thresholds;
  }

  /** The report was measured with the model loaded now (its thresholds are that model's). */
  get reportFitsModel(): boolean {
    return this.report !== null && this.report.model === this.#host.session.modelKey;
  }

  get currentRelevanceZ(): number {
    return this.#host.session.relevanceZ;
  }

  get currentSimilarMinCosine(): number {
    return this.#host.session.similarMinCosine;
  }

  /** Measures the picked folder; a check already running is cancelled first. */
  async run(files: readonly File[]): Promise<void> {
    this.cancel();
    const embedder = this.#host.session.embedder;
    if (!this.canRun || !embedder) {
      this.status = 'failed';
      this.message = 'The check needs the search model: wait until it has loaded.';
      return;
    }
    // Videos are read as the import reads them: the video worker with the current video settings.
    const video = this.#host.session.videoFrames;
    const options = videoExtractOptions($state.snapshot(this.#host.session.videoSettings));
    const model: QualityEmbedder = {
      embedImages: (images) => embedder.embedImages(images),
      embedText: (text) => embedder.embedText(text),
      embedTexts: (texts) => embedder.embedTexts(texts),
      ...(video ? { videoFrames: async (blob: Blob) => (await video.extract(blob, options)).frames.map((f) => ({ timestampSec: f.timestampSec, pixels: f.pixels })) } : {}),
    };
    const abort = (this.#abort = new AbortController());
    this.status = 'running';
    this.message = '';
    this.report = null;
    this.progress = null;
    let lastSaid = 0;
    try {
      const outcome = await runQualityCheck(
        files.map((f) => ({ path: f.webkitRelativePath || f.name, blob: f })),
        model,
        {
          modelKey: this.#host.session.modelKey,
          relevanceZ: this.#host.session.relevanceZ,
          signal: abort.signal,
          figures: figuresInWorker,
          onProgress: (p) => {
            if (abort.signal.aborted) return;
            this.progress = p;
            // The live region speaks at most every 2 s, and at each phase's start and end.
            const now = Date.now();
            if (p.done === 0 || p.done === p.total || now - lastSaid > 2000) {
              lastSaid = now;
              this.#host.announce(this.progressText);
            }
          },
        },
      );
      if (abort.signal.aborted) return;
      if (outcome.ok) {
        this.report = outcome.report;
        this.status = 'done';
        const r = outcome.report;
        this.#host.announce(`Search quality checked on ${plural(r.images, 'photo')} in ${plural(r.labels, 'label')}: top-1 ${percent(r.zeroShot.single.top1)}.`);
      } else {
        this.status = 'failed';
        this.message = outcome.message;
        this.#host.announce(outcome.message);
      }
    } catch (err) {
      if (abort.signal.aborted) return;
      this.status = 'failed';
      this.message = `The check stopped: ${err instanceof Error ? err.message : String(err)}`;
      this.#host.announce(this.message);
    } finally {
      if (this.#abort === abort) {
        this.#abort = null;
        this.progress = null;
      }
    }
  }

  cancel(): void {
    if (!this.#abort) return;
    this.#abort.abort();
    this.#abort = null;
    this.progress = null;
    this.status = 'cancelled';
    this.#host.announce('Search quality check cancelled.');
  }

  /** Stores the report's thresholds for the current model. */
  async useThresholds(): Promise<void> {
    const r = this.report;
    if (!r || !this.reportFitsModel) return;
    await this.#host.session.setThresholds({ relevanceZ: r.thresholds.relevanceZ, similarMinCosine: r.thresholds.similarMinCosine, measuredAt: r.createdAt });
    this.#host.thresholdsChanged();
    this.#host.announce('Measured thresholds are in use for this model.');
  }

  async backToDefaults(): Promise<void> {
    await this.#host.session.setThresholds(null);
    this.#host.thresholdsChanged();
    this.#host.announce('Default thresholds are in use for this model.');
  }

  /** The report as a file: pretty JSON. */
  reportJson(): string {
    return JSON.stringify(this.report, null, 2);
  }
}

/** 0.8333 → "83.3 %". */
export function percent(share: number): string {
  return `${(share * 100).toFixed(1)} %`;
}
