// File helpers the bench scripts share.
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Hard link when possible (same filesystem, no 150 MB copy), copy otherwise. */
export function place(src, dest) {
  mkdirSync(dirname(dest), { recursive: true });
  rmSync(dest, { force: true });
  try {
    linkSync(src, dest);
  } catch {
    copyFileSync(src, dest);
  }
}

/** Every file under `dir` (absolute), with its path relative to `dir` ("assets/x.js"), size and time; [] if it is missing. */
export function filesUnder(dir, prefix = '') {
  if (!existsSync(dir)) return [];
  const st = statSync(dir);
  if (!st.isDirectory()) return [{ path: prefix, bytes: st.size, mtimeMs: st.mtimeMs }];
  return readdirSync(dir).flatMap((n) => filesUnder(join(dir, n), prefix ? `${prefix}/${n}` : n));
}

/** Newest modification time (ms) of the files under `paths` (absolute; missing ones are skipped), 0 if none: is a build older than its sources? */
export function newestMtimeMs(paths) {
  return paths.flatMap((p) => filesUnder(p)).reduce((newest, f) => Math.max(newest, f.mtimeMs), 0);
}
