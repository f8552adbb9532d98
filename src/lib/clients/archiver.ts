import { proxy } from 'comlink';
import type { ArchiveApi, ArchiveProgress, ExportOptions, ExportResult, ImportResult, ZipExportResult, ZipProgress } from '../../../workers/archive.worker';
import { handle, type WorkerHandle } from './worker-handle';

export type { ArchiveProgress, ExportOptions, ExportResult, ImportResult, ZipExportResult, ZipProgress };

/** What the save picker offers: the archive by default. */
export interface SaveType {
  description: string;
  accept: Record<string, string[]>;
}

const ARCHIVE_TYPE: SaveType = { description: 'Shoebox archive', accept: { 'application/x-tar': ['.tar'] } };

type SavePicker = (o: object) => Promise<FileSystemFileHandle>;

/**
 * Asks where to save the archive, so it streams to disk. Must be the first thing a click does
 * (the picker needs the user gesture). `null`: this browser has no save picker; use `download`.
 */
export async function pickSaveTarget(suggestedName: string, type: SaveType = ARCHIVE_TYPE): Promise<FileSystemFileHandle | null | 'cancelled'> {
  const picker = (globalThis as unknown as { showSaveFilePicker?: SavePicker }).showSaveFilePicker;
  if (!picker) return null;
  try {
    return await picker({ suggestedName, types: [type] });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') return 'cancelled';
    throw err;
  }
}

/** Saves a Blob through the browser's downloads, for browsers without a save picker. */
export function download(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  a.click();
  // The download has taken its reference by the next task; a minute is generous.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** Whole-library export and import, off the page's thread. */
export class Archiver {
  #w: WorkerHandle<ArchiveApi>;

  constructor() {
    this.#w = handle<ArchiveApi>(new Worker(new URL('../../../workers/archive.worker.ts', import.meta.url), { type: 'module', name: 'archive' }));
  }

  exportLibrary(opts: ExportOptions, target: FileSystemFileHandle | null, onProgress: (p: ArchiveProgress) => void): Promise<ExportResult> {
    return this.#w.api.exportLibrary(opts, target, proxy(onProgress));
  }

  importLibrary(file: File, expect: { modelKey: string; dim?: number }, onProgress: (p: ArchiveProgress) => void): Promise<ImportResult> {
    return this.#w.api.importLibrary(file, expect, proxy(onProgress));
  }

  exportZip(ids: string[], target: FileSystemFileHandle | null, onProgress: (p: ZipProgress) => void): Promise<ZipExportResult> {
    return this.#w.api.exportZip(ids, target, proxy(onProgress));
  }

  cancelZip(): Promise<void> {
    return this.#w.api.cancelZip();
  }

  terminate(): void {
    this.#w.terminate();
  }
}
