import type { Clusterer, ClusterSummary } from '../clients/clusterer';
import type { Namer, NamingEvent } from '../clients/namer';
import type { Db } from '../db/db';
import { DEFAULT_NAMING_MODEL, forgetKey, loadNamingSettings, saveNamingSettings, type NamingSettings } from '../db/naming-settings';
import { nameInText } from '../core/display-name';

/** One naming run as the Clusters view reports it. */
export interface NamingRun {
  running: boolean;
  /** Requests sent to the VLM in this run, retries included. */
  requests: number;
  named: number;
  failed: number;
  message: string;
}

/** What the Settings panel shows of the stored naming settings: never the key itself. */
export interface NamingSettingsView {
  hasKey: boolean;
  model: string;
  baseUrl: string;
}

/** What naming needs from the cluster views. */
export interface NamingHost {
  announce(text: string): void;
  /** Shows the clusters again after a name was stored. */
  show(summaries: ClusterSummary[]): Promise<void>;
}

/**
 * Cluster naming with the user's Gemini key: the settings stored on this device, and runs in the
 * naming worker, one request per cluster that needs a name.
 */
export class NamingState {
  run = $state<NamingRun>({ running: false, requests: 0, named: 0, failed: 0, message: '' });
  settings = $state<NamingSettingsView>({ hasKey: false, model: DEFAULT_NAMING_MODEL, baseUrl: '' });

  #db: Db | null = null;
  #clusterer: Clusterer | null = null;
  #namer: Namer | null = null;
  /** The naming worker carries the Gemini SDK: started on the first "Name clusters", not before. */
  #makeNamer: (() => Namer) | null = null;
  #host: NamingHost;

  constructor(host: NamingHost) {
    this.#host = host;
  }

  /** Reads the stored settings, for the Settings panel; naming itself waits for `attach`. */
  async open(db: Db): Promise<void> {
    this.#db = db;
    this.#showSettings(await loadNamingSettings(db));
  }

  async attach(db: Db, clusterer: Clusterer, makeNamer: () => Namer): Promise<void> {
    this.#clusterer = clusterer;
    this.#makeNamer = makeNamer;
    await this.open(db);
  }

  detach(): void {
    this.#namer?.terminate();
    this.#clusterer = this.#namer = this.#makeNamer = null;
  }

  async saveSettings(settings: Partial<NamingSettings>): Promise<void> {
    if (!this.#db) return;
    try {
      this.#showSettings(await saveNamingSettings(this.#db, settings));
      this.#host.announce('Cluster naming settings saved');
    } catch (err) {
      this.#host.announce(`Not saved: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  async forgetKey(): Promise<void> {
    if (!this.#db) return;
    this.#namer?.cancel();
    await forgetKey(this.#db);
    this.settings = { ...this.settings, hasKey: false };
    this.#host.announce('Gemini API key removed from this device');
  }

  /** One request per cluster that needs a name; names appear as they arrive. */
  async nameWithGemini(force = false): Promise<void> {
    if (!this.#db || !this.#clusterer || !this.#makeNamer || this.run.running) return;
    const settings = await loadNamingSettings(this.#db);
    if (!settings.apiKey) {
      this.run = { ...this.run, message: 'Add your Gemini API key in Settings first.' };
      return;
    }
    const requests = await this.#clusterer.namingRequests(force);
    if (!requests.length) {
      this.run = { running: false, requests: 0, named: 0, failed: 0, message: 'Every cluster already has a name.' };
      return;
    }
    this.run = { running: true, requests: 0, named: 0, failed: 0, message: `Naming ${requests.length} clusters…` };
    const clusterer = this.#clusterer;
    this.#namer ??= this.#makeNamer();
    let applying: Promise<unknown> = Promise.resolve();
    const onEvent = (e: NamingEvent) => {
      if (e.type === 'request') this.run = { ...this.run, requests: e.count };
      else if (e.type === 'named') {
        applying = applying.then(async () => {
          const next = await clusterer.applyName({ clusterId: e.clusterId, membershipHash: e.membershipHash, name: e.name, description: e.description });
          if (next) await this.#host.show(next);
          this.run = { ...this.run, named: this.run.named + 1 };
          this.#host.announce(`Named “${nameInText(e.name)}”`);
        });
      } else if (e.type === 'failed') this.run = { ...this.run, failed: this.run.failed + 1 };
      else if (e.type === 'stopped') this.run = { ...this.run, message: e.message };
    };
    try {
      const summary = await this.#namer.nameClusters(
        { apiKey: settings.apiKey, model: settings.model, ...(settings.baseUrl ? { baseUrl: settings.baseUrl } : {}) },
        requests,
        onEvent,
      );
      await applying;
      const message = summary.message ?? `Named ${summary.named} of ${requests.length} clusters with ${summary.requests} request${summary.requests === 1 ? '' : 's'}`;
      this.run = { running: false, requests: summary.requests, named: summary.named, failed: summary.failed, message };
    } catch (err) {
      await applying;
      this.run = { ...this.run, running: false, message: `Naming stopped: ${err instanceof Error ? err.message : String(err)}` };
    }
    this.#host.announce(this.run.message);
  }

  #showSettings(s: NamingSettings): void {
    this.settings = { hasKey: !!s.apiKey, model: s.model, baseUrl: s.baseUrl ?? '' };
  }
}
