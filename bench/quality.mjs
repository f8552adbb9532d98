#!/usr/bin/env node
// Search quality, headless: the app's own check (src/lib/quality/quality-check.ts, the code behind
// Settings → "Check search quality") run in Chromium through the bench page with the app's embed worker.
//
//   node bench/quality.mjs [--path-check-random N]
//
// --path-check-random N: runs the imagenet path on its first N photos with the random-weight bench
// model even without real weights, to check the path works; its figures are chance and are written
// as `imagenetPathCheck`, never as a quality figure.
//
// 1. The fixture model (test/fixtures/models/shoebox-fixture-clip) on a generated colour folder
//    (scripts/lib/colour-folder.mjs): the figures must be exactly those the fixture's colour
//    semantics imply (COLOUR_FOLDER_EXPECTED; derivation in bench/README.md). Any difference is listed.
// 2. Real CLIP weights, if present (bench-page.mjs looks in public/models/Xenova/clip-vit-base-patch32
//    and ../shared/models/clip-vit-base-patch32): the 1000 photos of ../shared/data/images/imagenet-sample-1000
//    with OpenAI's cleaned class names (imagenet-sample-1000.labels.json, `clip_class_name`) as a labels CSV.
//    With only the random-weight bench model it says so and reports no quality figure: random weights
//    give chance-level numbers that would read as a measurement of CLIP.
// Writes bench/results/quality.json.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { argValue, chromiumVersion, ensureBenchPage, installImages, installModel, launch, log, openBenchPage, PAGES_OUT, resolveModel, round, ROOT, serve, SHARED, SHARED_IMAGES, writeResult } from './lib/bench-page.mjs';
import { COLOUR_FOLDER_EXPECTED, writeColourFolder } from '../scripts/lib/colour-folder.mjs';

const PATH_CHECK = Number(argValue(process.argv.slice(2), '--path-check-random', 0));

const FIXTURE = { id: 'shoebox-fixture-clip', dir: join(ROOT, 'test', 'fixtures', 'models', 'shoebox-fixture-clip') };
const LABELS_JSON = join(SHARED, 'data', 'images', 'imagenet-sample-1000.labels.json');

/** Real weights only: resolveModel falls back to the random-weight model, which is no measurement of CLIP. */
async function realModel() {
  try {
    const m = await resolveModel({ generate: false });
    return m.real ? m : null;
  } catch {
    return null;
  }
}

/** The fields the bench compares with what the fixture implies. */
function fixtureFigures(r) {
  return {
    images: r.images,
    labels: r.labels,
    top1: r.zeroShot.single.top1,
    top5: r.zeroShot.single.top5,
    ensembleTop1: r.zeroShot.ensemble.top1,
    ensembleTop5: r.zeroShot.ensemble.top5,
    recallAt1: r.retrieval.recallAt1,
    recallAt5: r.retrieval.recallAt5,
    recallAt10: r.retrieval.recallAt10,
    meanAveragePrecision: r.retrieval.meanAveragePrecision,
    perLabel: Object.fromEntries(r.perLabel.map((l) => [l.label, [l.correct, l.images]])),
    confusions: r.confusions,
    trueFolded: r.cutoff.current.trueFolded,
    wrongAbove: r.cutoff.current.wrongAbove,
    relevanceZ: r.thresholds.relevanceZ,
    similarMinCosine: r.thresholds.similarMinCosine,
  };
}

function differences(got, want) {
  const out = [];
  for (const [k, v] of Object.entries(want)) {
    const g = got[k];
    const same = typeof v === 'number' ? Math.abs(g - v) < 1e-12 : JSON.stringify(g) === JSON.stringify(v);
    if (!same) out.push(`${k}: got ${JSON.stringify(g)}, expected ${JSON.stringify(v)}`);
  }
  return out;
}

/** The figures a report gives for the summary (shares rounded to 4 places). */
function headline(r) {
  return {
    images: r.images,
    labels: r.labels,
    top1: round(r.zeroShot.single.top1, 4),
    top5: round(r.zeroShot.single.top5, 4),
    ensembleTop1: round(r.zeroShot.ensemble.top1, 4),
    ensembleTop5: round(r.zeroShot.ensemble.top5, 4),
    ensemble: `${r.zeroShot.ensemble.source} (${r.zeroShot.ensemble.templates})`,
    recallAt1: round(r.retrieval.recallAt1, 4),
    recallAt5: round(r.retrieval.recallAt5, 4),
    recallAt10: round(r.retrieval.recallAt10, 4),
    meanAveragePrecision: round(r.retrieval.meanAveragePrecision, 4),
    cutoffZ: r.cutoff.current.zScore,
    trueFoldedShare: round(r.cutoff.current.trueFoldedShare, 4),
    wrongAboveShare: round(r.cutoff.current.wrongAboveShare, 4),
    measuredZ: r.thresholds.relevanceZ,
    measuredTrueFoldedShare: round(r.cutoff.measured.trueFoldedShare, 4),
    measuredWrongAboveShare: round(r.cutoff.measured.wrongAboveShare, 4),
    similarMinCosine: r.thresholds.similarMinCosine,
    timingsMs: r.timingsMs,
  };
}

async function main() {
  const started = Date.now();
  const build = ensureBenchPage();
  // The fixture model needs no install: the server (test/e2e/harness.mjs startServer) copies it into models/.
  rmSync(join(PAGES_OUT, 'models', FIXTURE.id), { recursive: true, force: true });
  const colourDir = join(PAGES_OUT, 'quality', 'colours');
  rmSync(colourDir, { recursive: true, force: true });
  mkdirSync(colourDir, { recursive: true });
  const colourFiles = (await writeColourFolder(colourDir)).map((rel) => ({ path: `colours/${rel}`, url: `quality/colours/${rel}` }));

  const real = await realModel();
  const pathCheckModel = !real && PATH_CHECK > 0 ? await resolveModel() : null;
  const imagenetModel = real ?? pathCheckModel;
  let imagenetFiles = null;
  if (imagenetModel && existsSync(SHARED_IMAGES) && existsSync(LABELS_JSON)) {
    installModel(imagenetModel);
    const entries = JSON.parse(readFileSync(LABELS_JSON, 'utf8')).images.slice(0, real ? undefined : PATH_CHECK);
    const names = entries.map((e) => e.file.split('/').pop());
    const urls = installImages(names);
    const csv = ['file,label', ...entries.map((e) => `"${e.file.split('/').pop().replace(/"/g, '""')}","${e.clip_class_name.replace(/"/g, '""')}"`)].join('\n');
    writeFileSync(join(PAGES_OUT, 'quality', 'imagenet-labels.csv'), csv);
    imagenetFiles = [{ path: 'imagenet-sample-1000/labels.csv', url: 'quality/imagenet-labels.csv' }, ...names.map((n, i) => ({ path: `imagenet-sample-1000/${n}`, url: urls[i] }))];
  }

  const server = await serve();
  const { page, errors, close } = await launch();
  let fixture;
  let imagenet;
  let pathCheck = null;
  try {
    await openBenchPage(page, server.url);
    await page.evaluate((id) => window.bench.embedLoad(id), FIXTURE.id);
    const f = await page.evaluate((o) => window.bench.qualityCheck(o), { files: colourFiles, modelKey: FIXTURE.id });
    if (!f.outcome.ok) throw new Error(`the fixture check failed: ${f.outcome.message}`);
    const got = fixtureFigures(f.outcome.report);
    const diff = differences(got, COLOUR_FOLDER_EXPECTED);
    fixture = { model: FIXTURE.id, folder: 'scripts/lib/colour-folder.mjs', ms: round(f.ms, 0), matchesExpected: diff.length === 0, differences: diff, expected: COLOUR_FOLDER_EXPECTED, figures: headline(f.outcome.report), report: f.outcome.report };
    log(`fixture: ${diff.length === 0 ? 'every figure as the fixture implies' : `DIFFERS: ${diff.join('; ')}`} (${fixture.ms} ms)`);

    if (pathCheckModel && imagenetFiles) {
      await page.evaluate((id) => window.bench.embedLoad(id), pathCheckModel.id);
      const r = await page.evaluate((o) => window.bench.qualityCheck(o), { files: imagenetFiles, modelKey: pathCheckModel.id });
      pathCheck = { model: pathCheckModel.id, note: 'random weights: chance figures, a check that the path runs, not a measurement', ms: round(r.ms, 0), ok: r.outcome.ok, figures: r.outcome.ok ? headline(r.outcome.report) : null, message: r.outcome.ok ? null : r.outcome.message };
      log(`path check with ${pathCheckModel.id} on ${imagenetFiles.length - 1} photos: ${pathCheck.ok ? `ran in ${pathCheck.ms} ms (${pathCheck.figures.labels} labels, ${pathCheck.figures.ensemble})` : pathCheck.message}`);
    }
    if (!real) {
      imagenet = { status: 'no real weights', note: 'No real CLIP weights are present (looked in public/models/Xenova/clip-vit-base-patch32 and ../shared/models/clip-vit-base-patch32): only the random-weight bench model, whose figures would be chance, so no quality figure is reported.' };
    } else if (!imagenetFiles) {
      imagenet = { status: 'no images', note: `real weights in ${real.dir}, but ${SHARED_IMAGES} or its labels file is missing` };
    } else {
      const info = await page.evaluate((id) => window.bench.embedLoad(id), real.id);
      const r = await page.evaluate((o) => window.bench.qualityCheck(o), { files: imagenetFiles, modelKey: real.id });
      imagenet = r.outcome.ok
        ? { status: 'ok', model: real.id, modelDir: real.dir, backend: info.backend, threads: info.threads, ms: round(r.ms, 0), figures: headline(r.outcome.report), report: r.outcome.report }
        : { status: 'failed', note: r.outcome.message };
    }
    log(`imagenet-sample-1000: ${imagenet.status}${imagenet.figures ? `: top-1 ${imagenet.figures.top1}, mAP ${imagenet.figures.meanAveragePrecision}` : ` — ${imagenet.note}`}`);
  } finally {
    await close();
    await server.stop();
  }
  writeResult('quality', {
    date: new Date().toISOString(),
    what: "the app's search quality check (src/lib/quality/quality-check.ts) in Chromium with the app's embed worker",
    fixture,
    imagenet,
    ...(pathCheck ? { imagenetPathCheck: pathCheck } : {}),
    chromium: chromiumVersion(),
    build: build.note,
    pageErrors: errors.slice(0, 5),
    elapsedS: round((Date.now() - started) / 1000, 1),
  });
  if (!fixture.matchesExpected) process.exitCode = 1;
}

main().catch((err) => {
  console.error(`bench/quality.mjs failed: ${err?.stack || err}`);
  process.exitCode = 1;
});
