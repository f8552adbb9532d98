/**
 * The motion a still brings into the library (see core/live-photos.ts): a Live Photo's motion file
 * copied in under the still's job, or the MP4 inside an Android Motion Photo's JPEG.
 */
import type { JobRecord } from '../db/schema';
import type { ItemMotion } from '../core/records';
import { findMotionPhotoVideo, motionOriginalId } from '../core/live-photos';
import { sha256Hex } from '../core/sha256';
import type { IngestStorage } from './ports';

/**
 * `jpegBytes`: the whole still when it is a JPEG (a Motion Photo is one), else null. `isVideo`:
 * the "still" turned out to be a video (named .JPG), so its motion file is let go.
 */
export async function motionOfStill(storage: IngestStorage, job: JobRecord, isVideo: boolean, jpegBytes: Uint8Array | null): Promise<ItemMotion | undefined> {
  const live = job.motion;
  if (live && isVideo) {
    await storage.originals.deleteUnowned(motionOriginalId(job.id), live.blobLocation);
    return undefined;
  }
  if (live) {
    // Whole, as staged: a motion file gone missing leaves the still a plain photo rather than a broken player.
    const blob = await storage.originals.get(motionOriginalId(job.id), live.blobLocation);
    // Its digest lets an archive carry it, checked, like any original.
    if (blob && blob.size === live.sizeBytes)
      return { kind: 'live', name: live.name, mime: live.mime || 'video/quicktime', sizeBytes: live.sizeBytes, sha256: await sha256Hex(blob), durationSec: live.durationSec, blobLocation: live.blobLocation };
  }
  const embedded = jpegBytes ? findMotionPhotoVideo(jpegBytes) : null;
  return embedded ? { kind: 'motion-photo', offsetBytes: embedded.offsetBytes, sizeBytes: embedded.sizeBytes } : undefined;
}
