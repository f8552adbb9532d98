import { Archiver, download, pickSaveTarget, type ZipProgress } from '../clients/archiver';
import { plural } from '../core/plural';

const ZIP_TYPE = { description: 'Zip archive', accept: { 'application/zip': ['.zip'] } };
const mb = (bytes: number) => (bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${Math.ceil(bytes / 1e3)} kB`);

export function zipFileName(count: number, now = new Date()): string {
  const day = `${now.getFullYear()}-${String(now.getMonth() + 1).padStart(2, '0')}-${String(now.getDate()).padStart(2, '0')}`;
  return `shoebox-${count}-items-${day}.zip`;
}

export function zipProgressText(p: ZipProgress): string {
  return `Exporting ${p.doneFiles} of ${plural(p.totalFiles, 'file', 'files')} · ${mb(p.writtenBytes)} of ${mb(p.totalBytes)}`;
}

/** "Export…" of a selection: its original files in one .zip, zipped in the archive worker. */
export class ZipExport {
  progress = $state.raw<ZipProgress | null>(null);
  message = $state('');
  error = $state('');

  #archiver: Archiver | null = null;
  #announce: (text: string) => void;

  constructor(announce: (text: string) => void) {
    this.#announce = announce;
  }

  get busy(): boolean {
    return this.#archiver !== null;
  }

  /** Run from the click: the save picker needs the user gesture, so it is asked first. */
  async exportItems(ids: readonly string[]): Promise<void> {
    if (this.#archiver || ids.length === 0) return;
    this.message = this.error = '';
    const name = zipFileName(ids.length);
    let target: FileSystemFileHandle | null | 'cancelled';
    try {
      target = await pickSaveTarget(name, ZIP_TYPE);
    } catch (err) {
      this.error = `Export failed: ${err instanceof Error ? err.message : String(err)}`;
      return;
    }
    if (target === 'cancelled') return;
    const archiver = (this.#archiver = new Archiver());
    this.progress = { doneFiles: 0, totalFiles: ids.length, writtenBytes: 0, totalBytes: 0 };
    try {
      const result = await archiver.exportZip([...ids], target, (p) => (this.progress = p));
      if (result.blob) download(result.blob, name);
      const missing = result.missing.length ? ` ${plural(result.missing.length, 'item has', 'items have')} no original file on this device and ${result.missing.length === 1 ? 'was' : 'were'} left out.` : '';
      this.message = `Exported ${plural(result.files, 'file', 'files')} (${mb(result.sizeBytes)}).${missing}`;
    } catch (err) {
      const cancelled = err instanceof Error && err.name === 'ZipCancelled';
      if (cancelled) this.message = 'Export cancelled.';
      else this.error = `Export failed: ${err instanceof Error ? err.message : String(err)}`;
    } finally {
      archiver.terminate();
      this.#archiver = null;
      this.progress = null;
      this.#announce(this.error || this.message);
    }
  }

  cancel(): void {
    void this.#archiver?.cancelZip();
  }
}
