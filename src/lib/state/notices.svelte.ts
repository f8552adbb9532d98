import { nameInText } from '../core/display-name';

export interface Notice {
  key: number;
  name: string;
  status: 'stored' | 'duplicate' | 'failed' | 'info';
  message: string;
  /** Failed files: the job "Retry" runs again and "Dismiss" forgets. */
  jobId?: string;
}

const MAX_NOTICES = 100;

/**
 * The list of messages under the drop zone (per-file outcomes and Shoebox's own news) and the
 * text of the polite live region, which every part of the page speaks through.
 */
export class Notices {
  list = $state<Notice[]>([]);
  /** Text of the polite live region: import progress, per-file outcomes, deletes, groups. */
  announcement = $state('');

  #key = 0;

  announce(text: string): void {
    this.announcement = text;
  }

  add(name: string, status: Notice['status'], message: string, jobId?: string): void {
    this.list = [{ key: ++this.#key, name, status, message, ...(jobId ? { jobId } : {}) }, ...this.list].slice(0, MAX_NOTICES);
    this.announcement = `${nameInText(name)}: ${message}`;
  }

  /** A failed file is listed once, however often it fails. */
  failed(jobId: string, name: string, message: string): void {
    this.list = this.list.filter((n) => n.jobId !== jobId);
    this.add(name, 'failed', message, jobId);
  }

  say(message: string): void {
    this.add('Shoebox', 'info', message);
  }

  forJob(jobId: string): Notice | undefined {
    return this.list.find((n) => n.jobId === jobId);
  }

  removeJob(jobId: string): void {
    this.list = this.list.filter((n) => n.jobId !== jobId);
  }

  updateJob(jobId: string, message: string): void {
    this.list = this.list.map((n) => (n.jobId === jobId ? { ...n, message } : n));
  }

  /** Empties the list; returns the failed files' jobs it held, for the importer to forget. */
  clear(): string[] {
    const jobIds = this.list.flatMap((n) => (n.jobId ? [n.jobId] : []));
    this.list = [];
    return jobIds;
  }
}
