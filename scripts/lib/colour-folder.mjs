// A labelled folder for the search quality check with the fixture model
// (scripts/make-fixture-model.mjs): one subfolder per colour word, plain pictures in the
// concepts' own colours, and one picture filed under "green" that is three quarters red.
//
//   import { writeColourFolder, COLOUR_FOLDER_EXPECTED } from './lib/colour-folder.mjs';
//   await writeColourFolder(dir);   // dir/blue/…, dir/green/…, dir/red/…, dir/yellow/…
//
// Used by test/e2e/quality.e2e.mjs and bench/quality.mjs. The figures the fixture's semantics imply
// (derivation in bench/README.md, "quality") are in COLOUR_FOLDER_EXPECTED.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { CONCEPTS } from '../make-fixture-model.mjs';

const SIZE = 224; // the model's input size: the centre crop is the whole picture, drawn 1:1
export const COLOUR_LABELS = ['blue', 'green', 'red', 'yellow'];

const rgb255 = (name) => CONCEPTS.find((c) => c.name === name).rgb.map((x) => Math.round(x * 255));

function plain(name, { width = SIZE, height = SIZE } = {}) {
  const [r, g, b] = rgb255(name);
  return sharp({ create: { width, height, channels: 3, background: { r, g, b } } }).png().toBuffer();
}

/** Left 168 px red, right 56 px green: 21 of the model's 28 patch columns red, 7 green. */
async function threeQuartersRed() {
  const red = rgb255('red');
  const green = rgb255('green');
  const px = Buffer.alloc(SIZE * SIZE * 3);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) px.set(x < 168 ? red : green, (y * SIZE + x) * 3);
  }
  return sharp(px, { raw: { width: SIZE, height: SIZE, channels: 3 } }).png().toBuffer();
}

/** Writes the folder; returns the paths written, relative to `dir`. */
export async function writeColourFolder(dir) {
  const written = [];
  const put = async (rel, buffer) => {
    await mkdir(join(dir, rel.split('/')[0]), { recursive: true });
    await sharp(buffer).toFile(join(dir, rel));
    written.push(rel);
  };
  for (const label of COLOUR_LABELS) {
    await put(`${label}/${label}-1.png`, await plain(label));
    // A second picture of another shape: the centre square is the same colour.
    await put(`${label}/${label}-2.png`, await plain(label, { width: 320, height: 240 }));
  }
  await put('green/mostly-red.png', await threeQuartersRed());
  return written;
}

/**
 * What the fixture model must report on this folder (9 photos, 4 labels); see bench/README.md.
 * Shares are exact fractions.
 */
export const COLOUR_FOLDER_EXPECTED = {
  images: 9,
  labels: 4,
  top1: 8 / 9,
  top5: 1,
  ensembleTop1: 8 / 9,
  ensembleTop5: 1,
  recallAt1: 1,
  recallAt5: 1,
  recallAt10: 1,
  meanAveragePrecision: 1,
  perLabel: { blue: [2, 2], green: [2, 3], red: [2, 2], yellow: [2, 2] },
  confusions: [{ label: 'green', predicted: 'red', count: 1 }],
  trueFolded: 0,
  wrongAbove: 3,
  relevanceZ: 3,
  similarMinCosine: 0.96,
};
