#!/usr/bin/env node
// Working size of the video keyframe diversity filter: keep/drop decisions of selectDiverseFrames
// (src/lib/core/frame-select.ts) on HSV histograms (hsv-histogram.ts) of small copies 64–320 px on
// the long edge, against the same decisions on the full-resolution frames, for every video in
// ../shared/data/videos.
//
//   node bench/frame-stats-size.mjs [--videos DIR] [--render-only]   (--render-only: the Markdown again from the JSON)
//
// The frames are the app's candidate moments (candidateTimestamps), decoded at full size by ffmpeg
// (must be on PATH). Each copy is made as the video worker makes it: the frame scaled to the work
// size (shrinkNoSmallerThan(w, h, 224, 320), the collector's surface), then to the copy's size
// (fitWithin). Two resamplers for that second step, since a canvas may or may not average:
//   area      every source pixel weighted by its overlap (a box filter; what ffmpeg's "area" does)
//   bilinear  2×2 taps at the output pixel's centre (a canvas drawImage without mipmaps)
// Blank flags (isNearBlank) are taken from the same copy, as in the app.
// Writes bench/results/frame-stats-size.{json,md}. Without ../shared it says so and writes nothing.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer } from 'vite';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const RESULTS = join(ROOT, 'bench', 'results');
const argv = process.argv.slice(2);
const videosArg = argv.indexOf('--videos');
const VIDEOS = videosArg >= 0 ? resolve(argv[videosArg + 1]) : resolve(ROOT, '..', 'shared', 'data', 'videos');
const SIZES_PX = [64, 96, 128, 160, 224, 320];
/** The collector's work surface: MODEL_INPUT_PX short edge, THUMBNAIL_MAX_EDGE_PX long edge (src/lib/ingest/asset-records.ts). */
const MODEL_INPUT_PX = 224;
const THUMB_MAX_EDGE_PX = 320;

if (argv.includes('--render-only')) {
  writeFileSync(join(RESULTS, 'frame-stats-size.md'), markdown(JSON.parse(readFileSync(join(RESULTS, 'frame-stats-size.json'), 'utf8'))));
  process.exit(0);
}

if (!existsSync(VIDEOS)) {
  console.log(`../shared is absent (no ${VIDEOS}): the shared videos this measurement needs are not on this machine; nothing measured, nothing written.`);
  process.exit(0);
}

const files = [];
(function walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.isDirectory()) walk(join(dir, e.name));
    else if (/\.(mp4|webm|mov|mkv)$/i.test(e.name)) files.push(join(dir, e.name));
  }
})(VIDEOS);
if (files.length === 0) {
  console.log(`no videos in ${VIDEOS}: nothing measured, nothing written.`);
  process.exit(0);
}

const vite = await createServer({ root: ROOT, server: { middlewareMode: true }, appType: 'custom', logLevel: 'silent' });
try {
  const select = await vite.ssrLoadModule('/src/lib/core/frame-select.ts');
  const { hsvHistogramFromRgba, bhattacharyyaDistance } = await vite.ssrLoadModule('/src/lib/core/hsv-histogram.ts');
  const { fitWithin, shrinkNoSmallerThan } = await vite.ssrLoadModule('/src/lib/core/geometry.ts');
  const { STATS_MAX_EDGE_PX } = await vite.ssrLoadModule('/src/lib/video/frame-collector.ts');

  const probe = (file) => {
    const out = JSON.parse(
      execFileSync('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height:format=duration', '-of', 'json', file], { encoding: 'utf8' }),
    );
    return { width: out.streams[0].width, height: out.streams[0].height, durationSec: Number(out.format.duration) };
  };
  /** The frame shown at `t` seconds, RGBA at the video's own size. */
  const frameAt = (file, t, width, height) => {
    const buf = execFileSync('ffmpeg', ['-v', 'error', '-ss', t.toFixed(3), '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgba', '-'], {
      maxBuffer: width * height * 4 + 1024,
    });
    if (buf.length < width * height * 4) return null;
    return { data: new Uint8ClampedArray(buf.buffer, buf.byteOffset, width * height * 4), width, height };
  };

  const stats = (img) => ({
    histogram: hsvHistogramFromRgba(img.data, img.width, img.height),
    blank: select.isNearBlank(select.frameLumaStats(img.data, img.width, img.height, 1)),
  });

  const videos = [];
  /** Histogram + blank-test time per frame at each size, ms (area copies), over all frames. */
  const statsMs = Object.fromEntries(SIZES_PX.map((s) => [s, []]));
  for (const file of files) {
    const name = relative(VIDEOS, file);
    const { width, height, durationSec } = probe(file);
    const times = select.candidateTimestamps(durationSec);
    const work = shrinkNoSmallerThan(width, height, MODEL_INPUT_PX, THUMB_MAX_EDGE_PX);
    const full = [];
    const atWork = [];
    const copies = Object.fromEntries(['area', 'bilinear'].map((m) => [m, Object.fromEntries(SIZES_PX.map((s) => [s, []]))]));
    const t0 = Date.now();
    for (const t of times) {
      const frame = frameAt(file, t, width, height);
      if (!frame) continue;
      full.push({ timestampSec: t, ...stats(frame) });
      const surface = resampleArea(frame, work.width, work.height);
      atWork.push({ timestampSec: t, ...stats(surface) });
      for (const s of SIZES_PX) {
        const size = fitWithin(work.width, work.height, s);
        const copy = resampleArea(surface, size.width, size.height);
        const before = performance.now();
        copies.area[s].push({ timestampSec: t, ...stats(copy) });
        statsMs[s].push(performance.now() - before);
        copies.bilinear[s].push({ timestampSec: t, ...stats(resampleBilinear(surface, size.width, size.height)) });
      }
    }
    const keptFull = select.selectDiverseFrames(full);
    const row = { file: name, size: `${width}×${height}`, workSize: `${work.width}×${work.height}`, durationSec: round(durationSec, 1), candidates: full.length, keptFull: keptFull.length, sizes: {} };
    // The work surface itself: the closest to full size the collector's pixels can get.
    const keptWork = select.selectDiverseFrames(atWork);
    row.atWork = { kept: keptWork.length, ...compare(keptFull, keptWork, full.length) };
    for (const method of ['area', 'bilinear']) {
      row.sizes[method] = {};
      for (const s of SIZES_PX) {
        const cands = copies[method][s];
        const kept = select.selectDiverseFrames(cands);
        row.sizes[method][s] = { copy: sizeOf(fitWithin(work.width, work.height, s)), kept: kept.length, ...compare(keptFull, kept, full.length), distanceRatio: distanceRatios(full, cands, bhattacharyyaDistance) };
      }
    }
    videos.push(row);
    console.error(`${name}: ${full.length} candidates in ${((Date.now() - t0) / 1000).toFixed(1)} s; kept at full size ${keptFull.length}; ` +
      SIZES_PX.map((s) => `${s}px ${row.sizes.area[s].kept}/${row.sizes.bilinear[s].kept}`).join(', '));
  }

  // Per size: candidates whose keep/drop decision matches full resolution, over all videos.
  const totals = {};
  for (const method of ['area', 'bilinear']) {
    totals[method] = {};
    for (const s of SIZES_PX) {
      const same = videos.reduce((n, v) => n + v.sizes[method][s].sameDecisions, 0);
      const all = videos.reduce((n, v) => n + v.candidates, 0);
      const exactVideos = videos.filter((v) => v.sizes[method][s].identical).length;
      const keptDiff = videos.reduce((n, v) => n + Math.abs(v.sizes[method][s].kept - v.keptFull), 0);
      totals[method][s] = { statsMsPerFrameMedian: round(median(statsMs[s]), 3), agreement: round(same / all, 4), sameDecisions: same, candidates: all, videosIdentical: exactVideos, videos: videos.length, keptCountDiff: keptDiff };
    }
  }
  const workSame = videos.reduce((n, v) => n + v.atWork.sameDecisions, 0);
  const allCandidates = videos.reduce((n, v) => n + v.candidates, 0);
  totals.work = { agreement: round(workSame / allCandidates, 4), sameDecisions: workSame, candidates: allCandidates, videosIdentical: videos.filter((v) => v.atWork.identical).length, videos: videos.length, keptCountDiff: videos.reduce((n, v) => n + Math.abs(v.atWork.kept - v.keptFull), 0) };
  // Smallest size whose decisions match best under both resamplers (ties to the smaller).
  const score = (s) => Math.min(totals.area[s].agreement, totals.bilinear[s].agreement);
  const bestScore = Math.max(...SIZES_PX.map(score));
  const chosen = SIZES_PX.find((s) => score(s) === bestScore);
  const result = {
    date: new Date().toISOString(),
    videosDir: VIDEOS,
    method: 'candidateTimestamps → ffmpeg full-size RGBA → area resample to the work size → {area, bilinear} resample to the copy → hsvHistogramFromRgba + isNearBlank → selectDiverseFrames (threshold 0.15, 24 frames); compared with the same on the full-size frames',
    sizesPx: SIZES_PX,
    statsMaxEdgePxInCode: STATS_MAX_EDGE_PX,
    chosenPx: chosen,
    chosenAgreement: { area: totals.area[chosen].agreement, bilinear: totals.bilinear[chosen].agreement },
    totals,
    videos,
    versions: { ffmpeg: execFileSync('ffmpeg', ['-version'], { encoding: 'utf8' }).split('\n')[0] },
  };
  writeFileSync(join(RESULTS, 'frame-stats-size.json'), JSON.stringify(result, null, 1) + '\n');
  writeFileSync(join(RESULTS, 'frame-stats-size.md'), markdown(result));
  console.log(JSON.stringify({ chosenPx: chosen, agreement: result.chosenAgreement, statsMaxEdgePxInCode: STATS_MAX_EDGE_PX }));
} finally {
  await vite.close();
}

function median(xs) {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[sorted.length >> 1] ?? NaN;
}

function round(x, d = 3) {
  return Number(Number(x).toFixed(d));
}

function sizeOf(s) {
  return `${s.width}×${s.height}`;
}

/** Keep/drop agreement of two kept-index lists over n candidates. */
function compare(reference, kept, n) {
  const a = new Set(reference);
  const b = new Set(kept);
  let same = 0;
  for (let i = 0; i < n; i++) if (a.has(i) === b.has(i)) same++;
  return { sameDecisions: same, agreement: round(same / n, 4), identical: same === n };
}

/** Distance between consecutive candidates at this size ÷ at full size, where full size sees ≥ 0.05. */
function distanceRatios(full, copy, distance) {
  const ratios = [];
  for (let i = 1; i < full.length; i++) {
    const d = distance(full[i - 1].histogram, full[i].histogram);
    if (d >= 0.05) ratios.push(distance(copy[i - 1].histogram, copy[i].histogram) / d);
  }
  if (ratios.length === 0) return null;
  ratios.sort((x, y) => x - y);
  return { pairs: ratios.length, min: round(ratios[0]), median: round(ratios[ratios.length >> 1]), max: round(ratios[ratios.length - 1]) };
}

/** Box-filter downscale: each output pixel is the overlap-weighted mean of the source pixels under it. */
function resampleArea(src, width, height) {
  if (width === src.width && height === src.height) return src;
  const xs = axisWeights(src.width, width);
  const ys = axisWeights(src.height, height);
  const rows = new Float32Array(src.height * width * 4);
  for (let y = 0; y < src.height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 4; c++) {
        let s = 0;
        for (const [i, w] of xs[x]) s += src.data[(y * src.width + i) * 4 + c] * w;
        rows[(y * width + x) * 4 + c] = s;
      }
    }
  }
  const out = new Uint8ClampedArray(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 4; c++) {
        let s = 0;
        for (const [j, w] of ys[y]) s += rows[(j * width + x) * 4 + c] * w;
        out[(y * width + x) * 4 + c] = Math.round(s);
      }
    }
  }
  return { data: out, width, height };
}

/** For each output index, the source indices it covers with weights summing to 1. */
function axisWeights(from, to) {
  const scale = from / to;
  return Array.from({ length: to }, (_, o) => {
    const a = o * scale;
    const b = (o + 1) * scale;
    const taps = [];
    for (let i = Math.floor(a); i < Math.min(from, Math.ceil(b)); i++) {
      const w = Math.min(b, i + 1) - Math.max(a, i);
      if (w > 0) taps.push([i, w / scale]);
    }
    return taps;
  });
}

/** Bilinear downscale: 2×2 taps around each output pixel's centre, no prefilter. */
function resampleBilinear(src, width, height) {
  if (width === src.width && height === src.height) return src;
  const out = new Uint8ClampedArray(width * height * 4);
  const sx = src.width / width;
  const sy = src.height / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), src.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, src.height - 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), src.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, src.width - 1);
      const wx = fx - x0;
      for (let c = 0; c < 4; c++) {
        const p = (yy, xx) => src.data[(yy * src.width + xx) * 4 + c];
        const top = p(y0, x0) * (1 - wx) + p(y0, x1) * wx;
        const bottom = p(y1, x0) * (1 - wx) + p(y1, x1) * wx;
        out[(y * width + x) * 4 + c] = Math.round(top * (1 - wy) + bottom * wy);
      }
    }
  }
  return { data: out, width, height };
}

function markdown(r) {
  const lines = [
    `# Working size of the video diversity filter (${r.date.slice(0, 10)})`,
    '',
    `\`node bench/frame-stats-size.mjs\` on ${r.videos.length} videos in ${relative(ROOT, r.videosDir)}. ${r.method}.`,
    '',
    `**Chosen: ${r.chosenPx} px** on the long edge (STATS_MAX_EDGE_PX in src/lib/video/frame-collector.ts, ${r.statsMaxEdgePxInCode} when this ran): ` +
      `keep/drop decisions equal to full resolution for ${(r.chosenAgreement.area * 100).toFixed(1)} % of candidates (area) and ${(r.chosenAgreement.bilinear * 100).toFixed(1)} % (bilinear).`,
    '',
    '## Agreement with full resolution, all videos',
    '',
    '| copy (long edge) | area: same decisions | area: videos identical | area: Σ|kept − kept at full| | bilinear: same decisions | bilinear: videos identical | bilinear: Σ|kept − kept at full| | histogram + blank test per frame (Node, median) |',
    '|---|---|---|---|---|---|---|---|',
    ...r.sizesPx.map((s) => {
      const a = r.totals.area[s];
      const b = r.totals.bilinear[s];
      return `| ${s} px | ${(a.agreement * 100).toFixed(1)} % (${a.sameDecisions}/${a.candidates}) | ${a.videosIdentical}/${a.videos} | ${a.keptCountDiff} | ${(b.agreement * 100).toFixed(1)} % (${b.sameDecisions}/${b.candidates}) | ${b.videosIdentical}/${b.videos} | ${b.keptCountDiff} | ${a.statsMsPerFrameMedian} ms |`;
    }),
    `| the work surface itself (no second resample; the ceiling) | ${(r.totals.work.agreement * 100).toFixed(1)} % (${r.totals.work.sameDecisions}/${r.totals.work.candidates}) | ${r.totals.work.videosIdentical}/${r.totals.work.videos} | ${r.totals.work.keptCountDiff} | | | | |`,
    '',
    'Where more than 24 frames pass (the two 72-candidate Intel clips), the 24 are chosen by farthest-point selection, whose picks move with tiny distance changes: some disagreement there remains at every size, the work surface included.',
    '',
    ...(() => {
      // Where at most 24 frames pass at full size, the threshold alone decides: the clean comparison.
      const capped = r.videos.filter((v) => v.keptFull < 24);
      const same = (m, s) => capped.filter((v) => v.sizes[m][s].identical).length;
      return [
        `Videos where the threshold alone decides (fewer than 24 frames kept at full size: ${capped.length} of ${r.videos.length}), identical to full resolution: ` +
          r.sizesPx.map((s) => `${s} px ${same('area', s)}/${same('bilinear', s)}`).join(', ') + ` (area/bilinear); the work surface ${capped.filter((v) => v.atWork.identical).length}.`,
        '',
      ];
    })(),
    '## Frames kept per video (area / bilinear) and distance ratio to full size (area, median [min–max] of consecutive candidates)',
    '',
    `| video | size → work | candidates | full | work | ${r.sizesPx.map((s) => `${s} px`).join(' | ')} |`,
    `|---|---|---|---|---|${r.sizesPx.map(() => '---').join('|')}|`,
    ...r.videos.map(
      (v) =>
        `| ${v.file} | ${v.size} → ${v.workSize} | ${v.candidates} | ${v.keptFull} | ${v.atWork.kept} | ` +
        r.sizesPx
          .map((s) => {
            const a = v.sizes.area[s];
            const b = v.sizes.bilinear[s];
            const d = a.distanceRatio;
            return `${a.kept} / ${b.kept}${d ? ` · ×${d.median} [${d.min}–${d.max}]` : ''}`;
          })
          .join(' | ') +
        ' |',
    ),
    '',
  ];
  return lines.join('\n');
}
