import { describe, expect, it } from 'vitest';
import { pickSubject, SUBJECTS, vocabularyKey } from '../../../src/lib/core/zero-shot';
import { l2Normalize } from '../../../src/lib/core/vector';

const v = (...xs: number[]) => l2Normalize(Float32Array.from(xs));

describe('zero-shot subjects', () => {
  it('has 80–150 plural Title Case names with a prompt each, names unique', () => {
    expect(SUBJECTS.length).toBeGreaterThanOrEqual(80);
    expect(SUBJECTS.length).toBeLessThanOrEqual(150);
    expect(new Set(SUBJECTS.map((s) => s.name)).size).toBe(SUBJECTS.length);
    for (const s of SUBJECTS) {
      expect(s.name).toMatch(/^[A-Z][a-z]*( (and )?[A-Z][a-z]*)*$/);
      expect(s.prompt.length).toBeGreaterThan(3);
    }
  });

  it('picks the subject whose prompt vector is closest to the centroid', () => {
    const vocabulary = [
      { name: 'Sunsets', vector: v(1, 0, 0.5) },
      { name: 'Oceans', vector: v(0, 1, 0.5) },
      { name: 'Forests', vector: v(0, 0, 1) },
    ];
    expect(pickSubject(v(0.1, 0.9, 0.5), vocabulary)?.name).toBe('Oceans');
    expect(pickSubject(v(0.9, 0.1, 0.5), vocabulary)?.name).toBe('Sunsets');
    expect(pickSubject(v(1, 0), [])).toBeNull();
  });

  it('gives a new cache key when the subjects change', () => {
    expect(vocabularyKey()).toBe(vocabularyKey(SUBJECTS));
    expect(vocabularyKey([...SUBJECTS, { name: 'Kites', prompt: 'a photo of a kite' }])).not.toBe(vocabularyKey());
  });
});
