import { describe, expect, it } from 'vitest';
import { DuplicateChecks } from '../../../src/lib/ingest/duplicate-checks';

/** Hashes shaped like real ones: photos set 31 bits; a plain colour hashes to 0. */
const PHOTO = 0x7fffffff00000000n;
const PHOTO_COPY = PHOTO ^ 0b1111n; // 4 bits away
const FLAT = 0n;
/** Low-frequency luma std, levels: a photo ≈ 40, a plain colour 0, a faint shading ≈ 1.7. */
const STRUCTURED = 40;
const PLAIN = 0;
const SHADED = 1.7;

describe('DuplicateChecks: near-uniform pictures are never near-duplicates', () => {
  it('a plain blue picture is not flagged against a stored plain red one (same hash 0, structure 0)', () => {
    const checks = new DuplicateChecks();
    checks.addStored('red', 'red.png', FLAT, PLAIN);
    expect(checks.nearest(FLAT, PLAIN)).toBeUndefined();
  });

  it('a faintly shaded picture (structure 1.7) with a photo-like hash neither is flagged nor flags', () => {
    const checks = new DuplicateChecks();
    checks.addPending('job-1', 'wall.jpg', PHOTO, SHADED);
    expect(checks.nearest(PHOTO_COPY, STRUCTURED)).toBeUndefined();
    expect(checks.nearest(PHOTO_COPY, SHADED)).toBeUndefined();
  });

  it('a structured photo (structure 40) is still flagged against its copy, stored or pending', () => {
    const checks = new DuplicateChecks();
    checks.addStored('beach', 'beach.jpg', PHOTO, STRUCTURED);
    expect(checks.nearest(PHOTO_COPY, STRUCTURED)).toEqual({ id: 'beach', name: 'beach.jpg', distance: 4 });
    const pending = new DuplicateChecks();
    pending.addPending('job-2', 'dune.jpg', PHOTO, STRUCTURED);
    expect(pending.nearest(PHOTO_COPY, STRUCTURED)).toEqual({ id: 'job-2', name: 'dune.jpg', distance: 4 });
  });

  it('items stored before structure was kept count as structured, but their flat hashes never match', () => {
    const checks = new DuplicateChecks();
    checks.load([
      { id: 'old-photo', name: 'old.jpg', pHash: '7fffffff00000000' },
      { id: 'old-plain', name: 'plain.png', pHash: '0000000000000000' },
      { id: 'new-shaded', name: 'shade.jpg', pHash: '7fffffff0000000f', pHashStructure: SHADED },
    ]);
    // 'new-shaded' has PHOTO_COPY's very hash, yet the older photo 4 bits away is the match.
    expect(checks.nearest(PHOTO_COPY, STRUCTURED)).toEqual({ id: 'old-photo', name: 'old.jpg', distance: 4 });
    // 8 bits set: enough to count, and 8 bits from the old plain picture's 0, within the distance.
    expect(checks.nearest(0xff00000000000000n, STRUCTURED)).toBeUndefined();
  });
});
