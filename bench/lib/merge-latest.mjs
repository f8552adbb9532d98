// Adds one bench's figures to the last full run's report without running the others: its keys go
// into bench/results/latest.json's `summary` (and the dated JSON of that run), other keys left as
// they are, and one line per figure into that run's dated Markdown (replaced when already there).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * @param results  the bench/results folder
 * @param figures  summary key → value
 * @param lines    summary key → the Markdown line that explains it (a bullet)
 * @returns the files written
 */
export function mergeIntoLatest(results, figures, lines) {
  const latestPath = join(results, 'latest.json');
  if (!existsSync(latestPath)) return [];
  const latest = JSON.parse(readFileSync(latestPath, 'utf8'));
  const day = String(latest.date ?? '').slice(0, 10);
  const written = [];
  for (const path of [latestPath, join(results, `${day}.json`)]) {
    if (!existsSync(path)) continue;
    const report = JSON.parse(readFileSync(path, 'utf8'));
    if (report.date !== latest.date) continue;
    const text = readFileSync(path, 'utf8');
    report.summary = { ...report.summary, ...figures };
    let out = `${JSON.stringify(report, null, 2)}\n`;
    // Keep the file's own spelling of non-ASCII characters (\u escapes when it has no raw ones), so the diff is the new keys only.
    // eslint-disable-next-line no-control-regex
    if (!/[^\u0000-\u007f]/.test(text)) out = out.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    writeFileSync(path, out);
    written.push(path);
  }
  const mdPath = join(results, `${day}.md`);
  if (existsSync(mdPath)) {
    const heading = '## Figures added after the run';
    let md = readFileSync(mdPath, 'utf8');
    for (const [key, line] of Object.entries(lines)) {
      const bullet = `- \`${key}\`: ${line}`;
      const existing = md.split('\n').find((l) => l.startsWith(`- \`${key}\`: `));
      if (existing) md = md.replace(existing, bullet);
      else if (md.includes(`${heading}\n\n`)) md = md.replace(`${heading}\n\n`, `${heading}\n\n${bullet}\n`);
      else md = `${md.trimEnd()}\n\n${heading}\n\n${bullet}\n`;
    }
    writeFileSync(mdPath, md);
    written.push(mdPath);
  }
  return written;
}
