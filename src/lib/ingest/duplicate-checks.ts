import { HammingIndex } from '../core/hamming-index';
import { NEAR_DUPLICATE_MAX_DISTANCE, pHashCanMatch } from '../core/near-duplicate';
import type { AssetRecord } from '../db/schema';

/**
 * What an import compares each new file with: exact copies by sha256 among the files being
 * processed now (the library's own are found by its unique index), and near-duplicates by pHash
 * among the stored photos and those prepared but not committed yet, so a resized copy in the
 * same drop as its original is flagged although the original is not stored yet. Near-uniform
 * pictures (a plain colour, a faint shading) are neither flagged nor flag others: their hashes
 * agree by ties, not by content.
 */
export class DuplicateChecks {
  #stored = new HammingIndex<string>();
  #pending = new HammingIndex<string>();
  #names = new Map<string, string>();
  /** sha256 → job id of files being processed now, to catch the same file twice in one drop. */
  #shaInFlight = new Map<string, string>();
  /**
   * sha256 of each Live Photo's motion file → its still's id and name: the library's unique index
   * knows only the stills' files, and a MOV dropped again on its own is already in the library.
   */
  #motions = new Map<string, { id: string; name: string }>();

  /** Starts over from the library's assets (pHash as 16 hex digits). */
  load(assets: ReadonlyArray<Pick<AssetRecord, 'id' | 'name' | 'pHash' | 'pHashStructure'> & { motionSha256?: string }>): void {
    this.#stored.clear();
    this.#names.clear();
    this.#motions.clear();
    for (const a of assets) {
      if (a.motionSha256) this.#motions.set(a.motionSha256, { id: a.id, name: a.name });
      const pHash = BigInt(`0x${a.pHash}`);
      if (!pHashCanMatch(pHash, a.pHashStructure)) continue;
      this.#stored.add(a.id, pHash);
      this.#names.set(a.id, a.name);
    }
  }

  /** The job already processing this content, if another; otherwise `jobId` now holds it. */
  claimSha256(sha256: string, jobId: string): string | null {
    const twin = this.#shaInFlight.get(sha256);
    if (twin && twin !== jobId) return twin;
    this.#shaInFlight.set(sha256, jobId);
    return null;
  }

  releaseSha256(sha256: string, jobId: string): void {
    if (this.#shaInFlight.get(sha256) === jobId) this.#shaInFlight.delete(sha256);
  }

  /** The closest stored or pending photo within the near-duplicate distance; none for a near-uniform picture. */
  nearest(pHash: bigint, structure: number): AssetRecord['nearDuplicateOf'] {
    if (!pHashCanMatch(pHash, structure)) return undefined;
    const nearest = [...this.#stored.query(pHash, NEAR_DUPLICATE_MAX_DISTANCE), ...this.#pending.query(pHash, NEAR_DUPLICATE_MAX_DISTANCE)].sort(
      (a, b) => a.distance - b.distance,
    )[0];
    return nearest ? { id: nearest.id, name: this.#names.get(nearest.id) ?? '', distance: nearest.distance } : undefined;
  }

  /** A prepared item, not committed yet. */
  addPending(jobId: string, name: string, pHash: bigint, structure: number): void {
    if (!pHashCanMatch(pHash, structure)) return;
    this.#pending.add(jobId, pHash);
    this.#names.set(jobId, name);
  }

  /** The Live Photo whose motion file has this content, if one is in the library. */
  motionOwner(sha256: string): { id: string; name: string } | undefined {
    return this.#motions.get(sha256);
  }

  /** An item whose records are committed; `motionSha256` for a Live Photo's motion file. */
  addStored(id: string, name: string, pHash: bigint, structure: number, motionSha256?: string): void {
    if (motionSha256) this.#motions.set(motionSha256, { id, name });
    this.#pending.remove(id);
    if (!pHashCanMatch(pHash, structure)) return;
    this.#stored.add(id, pHash);
    this.#names.set(id, name);
  }

  /** Forgets what is held for a job the run has finished with (stored or not). */
  release(jobId: string, sha256?: string): void {
    if (sha256) this.releaseSha256(sha256, jobId);
    if (this.#pending.remove(jobId) && !this.#stored.has(jobId)) this.#names.delete(jobId);
  }

  /** A run stopped: nothing is in flight any more. */
  clearInFlight(): void {
    this.#shaInFlight.clear();
    this.#pending.clear();
  }

  /** Deleted assets no longer count as near-duplicate originals. */
  forget(ids: readonly string[]): void {
    const gone = new Set(ids);
    for (const id of ids) {
      this.#stored.remove(id);
      this.#names.delete(id);
    }
    for (const [sha256, owner] of this.#motions) if (gone.has(owner.id)) this.#motions.delete(sha256);
  }
}
