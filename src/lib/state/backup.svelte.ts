import { Archiver, download, pickSaveTarget, type ArchiveProgress } from '../clients/archiver';
import { nameInText } from '../core/display-name';
import { plural } from '../core/plural';

/** What backup needs from the library: which model's vectors to write, and a way to show an import. */
export interface BackupHost {
  modelKey(): string;
  /** Undefined until the model has loaded. */
  dim(): number | undefined;
  reloadAfterImport(ids: string[]): Promise<void>;
}

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

export function archiveFileName(now = new Date()): string {
  const day = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
  return `shoebox-library-${day}.tar`;
}

export function progressText(p: ArchiveProgress): string {
  switch (p.phase) {
    case 'reading':
      return `Reading the library: ${p.done} parts`;
    case 'writing':
      return `Writing the archive: ${p.done} of ${p.total} parts`;
    case 'checking':
      return `Checking the archive: ${p.total ? Math.floor((100 * p.done) / p.total) : 0}%`;
    case 'importing':
      return `Importing: ${p.done} of ${p.total}`;
  }
}

/** Export and import of the whole library as one file, for the backup panel. */
export class Backup {
  includeOriginals = $state(true);
  busy = $state<'export' | 'import' | null>(null);
  progress = $state('');
  message = $state('');
  error = $state('');

  #host: BackupHost;

  constructor(host: BackupHost) {
    this.#host = host;
  }

  /**
   * Progress comes through its own message channel, so its last report can arrive after the
   * result: once the run has ended it would stay on screen over the outcome.
   */
  #showProgress(p: ArchiveProgress): void {
    if (this.busy) this.progress = progressText(p);
  }

  /** Run from the click: the save picker needs the user gesture, so it is asked first. */
  async exportLibrary(): Promise<void> {
    if (this.busy) return;
    const dim = this.#host.dim();
    this.message = this.error = '';
    if (!dim) {
      this.error = 'Export is available once the model has loaded.';
      return;
    }
    const name = archiveFileName();
    let target: FileSystemFileHandle | null | 'cancelled';
    try {
      target = await pickSaveTarget(name);
    } catch (err) {
      this.error = `Export failed: ${err instanceof Error ? err.message : String(err)}`;
      return;
    }
    if (target === 'cancelled') return;
    this.busy = 'export';
    const archiver = new Archiver();
    try {
      const includeOriginals = this.includeOriginals;
      const result = await archiver.exportLibrary({ modelKey: this.#host.modelKey(), dim, includeOriginals }, target, (p) => this.#showProgress(p));
      if (result.blob) download(result.blob, name);
      const originals = includeOriginals ? `, ${plural(result.counts.originals, 'original file', 'original files')}` : ', without original files';
      this.message = `Exported ${plural(result.counts.assets, 'photo or video', 'photos and videos')}${originals} (${mb(result.sizeBytes)}).`;
    } catch (err) {
      this.error = `Export failed: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      archiver.terminate();
      this.busy = null;
      this.progress = '';
    }
  }

  async importLibrary(file: File): Promise<void> {
    if (this.busy) return;
    this.message = this.error = '';
    this.busy = 'import';
    const archiver = new Archiver();
    try {
      const result = await archiver.importLibrary(file, { modelKey: this.#host.modelKey(), dim: this.#host.dim() }, (p) => this.#showProgress(p));
      const albums = result.albums.created + result.albums.merged;
      if (result.added > 0 || result.clusters > 0 || albums > 0) await this.#host.reloadAfterImport(result.addedIds);
      let text = `Imported ${plural(result.added, 'photo or video', 'photos and videos')} (${result.present} already here).`;
      if (albums > 0) text += ` ${plural(albums, 'album', 'albums')}${result.albums.merged ? `, ${result.albums.merged} merged into ${result.albums.merged === 1 ? 'the album' : 'albums'} of the same name here` : ''}.`;
      if (result.failed.length) {
        const first = result.failed[0];
        text += ` ${plural(result.failed.length, 'item', 'items')} could not be added, e.g. ${nameInText(first.name)}: ${first.message}.`;
      }
      this.message = text;
    } catch (err) {
      this.error = `Nothing was imported. ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      archiver.terminate();
      this.busy = null;
      this.progress = '';
    }
  }
}
