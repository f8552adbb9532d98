// Keeps the model's runtime (a worker running ONNX Runtime) only while it is used. ONNX Runtime's
// wasm memory only grows: a session released inside the worker leaves its memory to the worker, so
// the only way to give it back is to end the worker. The keeper ends it when no call came for
// `idleMs`, and starts it again, with only the tower the next call needs, when that call comes; the
// other tower loads in the same runtime if a call asks for it (an import needs the image tower, a
// search the text tower).
// A call may ask for the runtime to be kept longer after it (`holdMs`): someone reading search
// results and searching again should not wait for the text tower to load again.
// A runtime opened with towers no call has used yet (the first load checks both) is replaced once,
// when an idle moment's call needs a tower of `leanFor`: an import then runs with the image tower
// alone instead of both (~450 MB for ViT-B/32 q8, of which the text tower ~318 MB). A search keeps
// the runtime it finds: the text tower is most of it, and reloading would delay the results.
// Replacing a runtime that holds an unused tower while calls keep coming was measured and dropped:
// the ended worker's memory is given back seconds after the new one starts loading, so each swap
// raised the peak it meant to lower (2.1 GB against 1.2 GB), and a load costs 10–35 s on a busy
// two-core machine.
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
  /** A call for one of these towers replaces a runtime holding other towers no call has used yet. */
  leanFor?: Tower[];
  /** Told the towers loaded whenever they change (none once the runtime was ended). */
  onChange?: (towers: Tower[]) => void;
  /** Told when the runtime was ended because no call came for idleMs (not when replaced or ended by `end`). */
  onIdleEnd?: () => void;
  now?: () => number;
}

export class TowerKeeper<Api> {
  #current: TowerRuntime<Api> | null = null;
  /** A runtime being started: new calls wait for it. */
  #starting: Promise<TowerRuntime<Api>> | null = null;
  #running = 0;
  #lastCallEndMs = 0;
  /** Until when a call asked the runtime to be kept (`holdMs`), whatever idleMs says. */
  #heldUntilMs = 0;
  /** Towers a call asked for since the runtime started; the others were only loaded by `open`. */
  #used = new Set<Tower>();
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
    while (this.#starting) await this.#starting.catch(() => undefined);
    this.end();
    return this.#start(towers);
  }

  /**
   * Runs `call` on the runtime, started with `tower` if there is none; `tower` loads there on its
   * first use (null: no tower needed, and none counts as used). `holdMs`: keep the runtime at least
   * this long after the call, even when idleMs is shorter.
   */
  async use<T>(tower: Tower | null, call: (api: Api) => Promise<T>, holdMs = 0): Promise<T> {
    const runtime = await this.#claim(tower);
    try {
      return await call(runtime.api);
    } finally {
      this.#running--;
      this.#lastCallEndMs = this.#now();
      if (runtime === this.#current) this.#heldUntilMs = Math.max(this.#heldUntilMs, this.#lastCallEndMs + holdMs);
      if (this.#running === 0) this.#armTimer();
    }
  }

  /** Ends the runtime unless a call runs on it or asked for one of its towers since it started (a load's check is over). */
  endIfUnused(): void {
    if (this.#running === 0 && !this.#starting && this.#used.size === 0) this.end();
  }

  /** Ends the runtime (a new source is about to be opened); calls running on it fail. */
  end(): void {
    this.#clearTimer();
    if (!this.#current) return;
    this.#current.end();
    this.#current = null;
    this.#changed();
  }

  /**
   * The runtime for one call, counted as running before this returns: the idle timer cannot end
   * it between the choice and the call.
   */
  async #claim(tower: Tower | null): Promise<TowerRuntime<Api>> {
    for (;;) {
      while (this.#starting) await this.#starting.catch(() => undefined);
      const current = this.#current;
      if (current && tower && this.options.leanFor?.includes(tower) && this.#running === 0 && [...current.towers].some((t) => t !== tower && !this.#used.has(t))) {
        // Only the first load's check used the other tower: start again with the one needed.
        this.end();
        continue;
      }
      if (current) {
        if (tower) this.#used.add(tower);
        this.#running++;
        this.#clearTimer();
        if (tower && !current.towers.has(tower)) {
          current.towers.add(tower);
          this.#changed();
        }
        return current;
      }
      await this.#start(tower ? [tower] : []);
    }
  }

  #start(towers: Tower[]): Promise<TowerRuntime<Api>> {
    const starting = this.options.start(towers).then((runtime) => {
      this.#current = runtime;
      this.#used = new Set();
      this.#heldUntilMs = 0;
      this.#lastCallEndMs = this.#now();
      this.#changed();
      this.#armTimer();
      return runtime;
    });
    this.#starting = starting;
    const clear = () => {
      if (this.#starting === starting) this.#starting = null;
    };
    starting.then(clear, clear);
    return starting;
  }

  #changed(): void {
    this.options.onChange?.(this.towers);
  }

  #armTimer(): void {
    this.#clearTimer();
    if (!this.#current) return;
    const left = Math.max(0, this.#releaseAtMs() - this.#now());
    this.#timer = setTimeout(() => {
      this.#timer = null;
      if (this.#running > 0 || this.#starting) return;
      if (this.#now() < this.#releaseAtMs()) return this.#armTimer();
      this.end();
      this.options.onIdleEnd?.();
    }, left);
  }

  #releaseAtMs(): number {
    return Math.max(this.#lastCallEndMs + this.options.idleMs, this.#heldUntilMs);
  }

  #clearTimer(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }
}
