// ffmpeg.wasm as a shared, self-healing resource: one instance with one file system and one
// `main`, so jobs are queued; it is replaced after FFMPEG_MAX_RUNS runs or a wasm trap, and
// dropped when idle.
import { FFFSType, FFmpeg } from '@ffmpeg/ffmpeg';
import { keepForOffline } from '../offline/runtime-cache';
import { MESSAGES, VideoError, describeError } from './errors';

/** One ffmpeg run may not take longer than this; a hung or pathological decode becomes an error. */
const FFMPEG_RUN_TIMEOUT_MS = 5 * 60_000;
/**
 * `main` calls one ffmpeg.wasm instance may serve before it is replaced (~0.3–0.6 s to load): its
 * heap degrades with every call, and here the 103rd run (keyframe seeks in a 432p H.264 file)
 * trapped with "memory access out of bounds".
 */
const FFMPEG_MAX_RUNS = 40;
/**
 * ffmpeg.wasm is dropped after this long without work: its worker holds the compiled core and a
 * wasm heap that only grows (about 50 MB after the 6-s AVI of bench/memory.mjs). Loading it again
 * takes ~0.3–0.6 s, little next to a video's decode, so videos dropped together still share one.
 */
const FFMPEG_IDLE_MS = 15_000;

const INPUT_DIR = '/input';
/** Where a job's Blob appears in ffmpeg's file system. */
export const FFMPEG_INPUT = `${INPUT_DIR}/video`;

/** Absolute URLs of the self-hosted core; without them @ffmpeg/ffmpeg fetches it from unpkg. */
export interface FfmpegCoreUrls {
  coreURL: string;
  wasmURL: string;
}

interface FfmpegInstance {
  ff: FFmpeg;
  /** `main` calls so far; see FFMPEG_MAX_RUNS */
  runs: number;
  /** the Blob mounted at INPUT_DIR */
  mounted: Blob | null;
}

export interface FfmpegRun {
  code: number;
  log: string[];
  output: Uint8Array;
}

export class FfmpegRunner {
  #loading: Promise<FfmpegInstance> | null = null;
  #queue: Promise<unknown> = Promise.resolve();
  #idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly urls: FfmpegCoreUrls) {}

  drop(): void {
    const loading = this.#loading;
    this.#loading = null;
    void loading?.then((inst) => inst.ff.terminate()).catch(() => undefined);
  }

  instance(): Promise<FfmpegInstance> {
    const loading = (this.#loading ??= (async () => {
      const ff = new FFmpeg();
      await ff.load(this.urls);
      void keepForOffline([this.urls.coreURL, this.urls.wasmURL]);
      return { ff, runs: 0, mounted: null };
    })());
    loading.catch(() => {
      if (this.#loading === loading) this.#loading = null;
    });
    return loading;
  }

  /** The instance if one is loaded or loading, without starting one. */
  current(): Promise<FfmpegInstance | null> {
    return this.#loading?.catch(() => null) ?? Promise.resolve(null);
  }

  /** Runs `fn` when the jobs queued before it are done; `why` words the error if ffmpeg cannot start. */
  withJob<T>(blob: Blob, why: string, fn: (job: FfmpegJob) => Promise<T>): Promise<T> {
    const queued = this.#queue.then(async () => {
      clearTimeout(this.#idleTimer);
      const job = new FfmpegJob(this, blob, why);
      try {
        return await fn(job);
      } finally {
        await job.close();
        this.#idleTimer = setTimeout(() => this.drop(), FFMPEG_IDLE_MS);
      }
    });
    this.#queue = queued.catch(() => undefined);
    return queued;
  }
}

/** One video's use of ffmpeg.wasm: runs against the mounted file, on a fresh instance when needed. */
export class FfmpegJob {
  constructor(
    readonly runner: FfmpegRunner,
    readonly blob: Blob,
    /** what WebCodecs could not do, for the message when ffmpeg cannot start either */
    readonly why: string,
  ) {}

  async #instance(): Promise<FfmpegInstance> {
    let inst: FfmpegInstance;
    try {
      inst = await this.runner.instance();
      if (inst.runs >= FFMPEG_MAX_RUNS) {
        this.runner.drop();
        inst = await this.runner.instance();
      }
    } catch (err) {
      throw new VideoError(`could not be decoded: ${this.why} is not supported by this browser, and the ffmpeg.wasm fallback did not start (${describeError(err)})`);
    }
    if (inst.mounted !== this.blob) {
      if (inst.mounted) await inst.ff.unmount(INPUT_DIR).catch(() => undefined);
      await inst.ff.createDir(INPUT_DIR).catch(() => undefined);
      // WORKERFS reads the Blob in slices on demand (FileReaderSync) instead of copying it into
      // wasm memory, so file size is bounded by time, not by the 2–4 GB wasm heap.
      await inst.ff.mount(FFFSType.WORKERFS, { blobs: [{ name: 'video', data: this.blob }] }, INPUT_DIR);
      inst.mounted = this.blob;
    }
    return inst;
  }

  /**
   * Runs ffmpeg/ffprobe and returns its exit code, log and the output file (then deleted; empty if
   * none). ffmpeg stops itself after FFMPEG_RUN_TIMEOUT_MS (exit code 1); if its worker dies
   * instead, a watchdog a little later drops the instance. A wasm trap ("memory access out of
   * bounds") leaves the instance unusable: it is dropped and the run retried once on a new one.
   */
  async run(tool: 'exec' | 'ffprobe', args: string[], outputPath: string, retry = true): Promise<FfmpegRun> {
    const inst = await this.#instance();
    inst.runs++;
    const log: string[] = [];
    const onLog = ({ message }: { message: string }) => log.push(message);
    inst.ff.on('log', onLog);
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    try {
      const code = await Promise.race([
        inst.ff[tool](args, FFMPEG_RUN_TIMEOUT_MS),
        new Promise<never>((_, reject) => {
          watchdog = setTimeout(() => {
            this.runner.drop();
            reject(new VideoError(MESSAGES.tooSlow));
          }, FFMPEG_RUN_TIMEOUT_MS + 15_000);
        }),
      ]);
      let output: Uint8Array = new Uint8Array();
      try {
        output = (await inst.ff.readFile(outputPath)) as Uint8Array;
        await inst.ff.deleteFile(outputPath);
      } catch {
        /* no output */
      }
      return { code, log, output };
    } catch (err) {
      if (err instanceof VideoError) throw err;
      this.runner.drop();
      if (retry) return this.run(tool, args, outputPath, false);
      throw err;
    } finally {
      clearTimeout(watchdog);
      inst.ff.off('log', onLog);
    }
  }

  async close(): Promise<void> {
    const inst = await this.runner.current();
    if (inst?.mounted === this.blob) {
      inst.mounted = null;
      await inst.ff.unmount(INPUT_DIR).catch(() => undefined);
    }
  }
}
