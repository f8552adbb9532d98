/**
 * How much this site stores, and whether the browser has promised to keep it. The one place
 * that asks the browser for a storage estimate: the library refreshes it after imports and
 * deletes, the storage panel shows it.
 */
export class DeviceStorage {
  usageBytes = $state<number | null>(null);
  quotaBytes = $state<number | null>(null);
  persisted = $state<boolean | null>(null);
  /** Outcome of the last "keep" request, shown under the button. */
  outcome = $state('');
  readonly supported = typeof navigator !== 'undefined' && !!navigator.storage?.estimate;

  async refresh(): Promise<void> {
    if (!this.supported) return;
    const [est, persisted] = await Promise.all([navigator.storage.estimate(), navigator.storage.persisted?.() ?? Promise.resolve(false)]);
    this.usageBytes = est.usage ?? 0;
    this.quotaBytes = est.quota ?? 0;
    this.persisted = persisted;
  }

  /** The "Keep my library" button: asks, and says what the browser answered. */
  async persist(): Promise<void> {
    if (!navigator.storage?.persist) {
      this.outcome = 'This browser cannot promise to keep the library.';
      return;
    }
    const granted = await navigator.storage.persist();
    this.persisted = granted;
    this.outcome = granted ? 'Persisted: the browser will keep your library unless you clear it yourself.' : 'The browser declined. It may agree once Shoebox is installed or used more often.';
    await this.refresh();
  }

  /** Asked without a word on the first import, when the user has shown they mean to keep things here. */
  askToKeep(): void {
    if (this.persisted || !navigator.storage?.persist) return;
    void navigator.storage.persist().then(() => this.refresh());
  }
}
