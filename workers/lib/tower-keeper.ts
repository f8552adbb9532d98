// Keeps the model's runtime (a worker running ONNX Runtime) only while it is used. ONNX Runtime's
// wasm memory only grows: a session released inside the worker leaves its memory to the worker, so
// the only way to give it back is to end the worker. The keeper ends it when no call came for
// `idleMs`, and restarts it, with only the tower the next call needs, when that call comes; a
// runtime holding a tower nobody used for `otherTowerIdleMs` is replaced by one with the tower in use
// (an import needs the image tower only; a search after it the text tower only).
import type { Tower } from '../embed.worker';

/** One started runtime: its API and the towers loaded in it. */
export interface TowerRuntime<Api> {
  api: Api;
  towers: Set<Tower>;
  end(): void;
}

export interface TowerKeeperOptions<Api> {
  /** Starts a runtime with `towers` loaded; rejects when the model cannot load. */
  start(towers: Tower[]): Promise<TowerRuntime<Api>>;
  /** A runtime with no call for this long is ended, ms. */
  idleMs: number;
  /** A call for one tower replaces a runtime whose other towers were not used for this long, ms. */
  otherTowerIdleMs: number;
  /** Told the towers loaded whenever they change (none once the runtime was ended). */
  onChange?: (towers: Tower[]) => void;
  now?: () => number;
}

export class TowerKeeper<Api> {
  #current: TowerRuntime<Api> | null = null;
  /** A runtime being started or replaced: new calls wait for it. */
  #restart: Promise<TowerRuntime<Api>> | null = null;
  #running = 0;
  /** Resolves when the last running call ends (a restart waits for it). */
  #drained: { promise: Promise<void>; resolve: () => void } | null = null;
  #lastUsedMs: Record<Tower, number> = { vision: -Infinity, text: -Infinity };
  #lastCallEndMs = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  readonly #now: () => number;

  constructor(readonly options: TowerKeeperOptions<Api>) {
    this.#now = options.now ?? (() => performance.now());
  }

  /** The towers of the runtime running now (none when it was ended). */
  get towers(): Tower[] {
    return this.#current ? [...this.#current.towers] : [];
  }

  set idleMs(ms: number) {
    this.options.idleMs = ms;
    if (this.#running === 0) this.#armTimer();
  }

  /** Ends the runtime now and starts one with `towers` (the first load, or a new model source). */
  async open(towers: Tower[]): Promise<TowerRuntime<Api>> {
    while (this.#restart) await this.#restart.catch(() => undefined);
    const now = this.#now();
    for (const t of towers) this.#lastUsedMs[t] = now;
    return this.#restartWith(towers, false);
  }

  /** Runs `call` on a runtime that has `tower` loaded, or loads it there (null: any runtime will do). */
  async use<T>(tower: Tower | null, call: (api: Api) => Promise<T>): Promise<T> {
    const runtime = await this.#claim(tower);
    try {
      return await call(runtime.api);
    } finally {
      this.#running--;
      this.#lastCallEndMs = this.#now();
      if (tower) this.#lastUsedMs[tower] = this.#lastCallEndMs;
      if (this.#running === 0) {
        this.#drained?.resolve();
        this.#drained = null;
        this.#armTimer();
      }
    }
  }

  /** Ends the runtime (a new source is about to be opened); calls running on it fail. */
  end(): void {
    this.#clearTimer();
    if (!this.#current) return;
    this.#current.end();
    this.#current = null;
    this.#changed();
  }

  #changed(): void {
    this.options.onChange?.(this.towers);
  }

  /**
   * A runtime for one call, counted as running before this returns: the choice and the count happen
   * in one synchronous step, so no other call's restart can end the runtime in between.
   */
  async #claim(tower: Tower | null): Promise<TowerRuntime<Api>> {
    for (;;) {
      while (this.#restart) await this.#restart.catch(() => undefined);
      const current = this.#current;
      if (current && (!tower || !this.#holdsIdleOther(current, tower))) {
        this.#running++;
        this.#clearTimer();
        if (tower) {
          this.#lastUsedMs[tower] = this.#now();
          if (!current.towers.has(tower)) {
            current.towers.add(tower);
            this.#changed();
          }
        }
        return current;
      }
      await this.#restartWith(tower ? [tower] : [], true);
    }
  }

  /** True when `runtime` holds a tower other than `tower` that went unused for otherTowerIdleMs. */
  #holdsIdleOther(runtime: TowerRuntime<Api>, tower: Tower): boolean {
    const now = this.#now();
    return [...runtime.towers].some((t) => t !== tower && now - this.#lastUsedMs[t] >= this.options.otherTowerIdleMs);
  }

  #restartWith(towers: Tower[], drain: boolean): Promise<TowerRuntime<Api>> {
    const restart = (async () => {
      // Calls already running on the old runtime finish there first (new ones wait for this).
      if (this.#current && drain && this.#running > 0) {
        if (!this.#drained) {
          let resolve = () => {};
          const promise = new Promise<void>((r) => (resolve = r));
          this.#drained = { promise, resolve };
        }
        await this.#drained.promise;
      }
      this.end();
      const runtime = await this.options.start(towers);
      this.#current = runtime;
      this.#changed();
      this.#lastCallEndMs = this.#now();
      this.#armTimer();
      return runtime;
    })();
    this.#restart = restart;
    const clear = () => {
      if (this.#restart === restart) this.#restart = null;
    };
    restart.then(clear, clear);
    return restart;
  }

  #armTimer(): void {
    this.#clearTimer();
    if (!this.#current) return;
    const left = Math.max(0, this.options.idleMs - (this.#now() - this.#lastCallEndMs));
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (this.#running > 0 || this.#restart) return;
      if (this.#now() - this.#lastCallEndMs >= this.options.idleMs) this.end();
      else this.#armTimer();
    }, left);
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
