// takeout_match_ms_per_1k: pairing Google Takeout sidecars with their media (src/lib/core/takeout.ts)
// in a synthetic export of 50,000 photos and 50,000 sidecars over 20 year folders, a third of the
// sidecars in a second archive's copy of the folder and a tenth with names cut to 46 characters;
// video_metadata_ms_per_item: reading a video container's creation time and place
// (src/lib/core/video-metadata.ts) from the committed clips in test/fixtures/video-metadata.
// Usage: node bench/takeout.mjs  (prints JSON; Node, the same code the import worker runs)
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer } from 'vite';

const vite = await createServer({ server: { middlewareMode: true }, appType: 'custom', logLevel: 'silent' });
try {
  const { matchTakeoutSidecars, parseTakeoutSidecar } = await vite.ssrLoadModule('/src/lib/core/takeout.ts');
  const { readVideoMetadata } = await vite.ssrLoadModule('/src/lib/core/video-metadata.ts');
  const n = 50_000;
  const media = [];
  const sidecars = [];
  for (let i = 0; i < n; i++) {
    const dir = `Takeout/Google Photos/Photos from ${2000 + (i % 20)}`;
    const name = i % 10 === 0 ? `Screenshot_${i}_2024-01-14-14-13-33-16_948cd9899890cbd5c27.jpg` : `IMG_${i}.jpg`;
    media.push(`${dir}/${name}`);
    const json = i % 10 === 0 ? `${name.slice(0, 46)}.json` : `${name}.supplemental-metadata.json`;
    sidecars.push(`${i % 3 === 0 ? `Takeout 2/Google Photos/Photos from ${2000 + (i % 20)}` : dir}/${json}`);
  }
  matchTakeoutSidecars(media.slice(0, 1000), sidecars.slice(0, 1000)); // warm-up
  const runs = [];
  let matched = 0;
  for (let r = 0; r < 3; r++) {
    const t0 = performance.now();
    const { sidecarOf } = matchTakeoutSidecars(media, sidecars);
    runs.push(performance.now() - t0);
    matched = sidecarOf.filter((s) => s >= 0).length;
  }
  const text = JSON.stringify({ title: 'IMG_1.jpg', photoTakenTime: { timestamp: '1563098400' }, geoData: { latitude: 38.7, longitude: -9.1 } });
  const t1 = performance.now();
  for (let i = 0; i < 20_000; i++) parseTakeoutSidecar(text, Date.now());
  const parseUs = ((performance.now() - t1) / 20_000) * 1000;

  const dir = 'test/fixtures/video-metadata';
  const clips = await Promise.all((await readdir(dir)).filter((f) => /\.(mp4|mov|webm)$/.test(f)).map(async (f) => new Uint8Array(await readFile(join(dir, f)))));
  const rounds = 500;
  const t2 = performance.now();
  for (let r = 0; r < rounds; r++) for (const c of clips) await readVideoMetadata(async (o, l) => c.subarray(o, o + l), c.length, Date.now());
  const videoMs = (performance.now() - t2) / (rounds * clips.length);
  // A drop is matched once, in a worker that has not matched before: the first run is the figure.
  const first = runs[0];
  console.log(JSON.stringify({
    takeout_match_ms_per_1k: Number(((first / n) * 1000).toFixed(2)),
    takeout_match_50k_ms: Math.round(first),
    takeout_match_runs_ms: runs.map(Math.round),
    takeout_matched: matched,
    takeout_parse_us_per_sidecar: Number(parseUs.toFixed(1)),
    video_metadata_ms_per_item: Number(videoMs.toFixed(3)),
    video_clips: clips.length,
  }));
} finally {
  await vite.close();
}
