// The video worker's failures: messages meant for the user as they are, and the signal that
// WebCodecs cannot take a file so ffmpeg.wasm should try.

export const MESSAGES = {
  noVideo: 'has no video track (audio only?)',
  empty: 'the video is empty (0 seconds)',
  emptyFile: 'the file is empty (0 bytes)',
  unsupported: (what: string) => `could not be decoded: ${what} is not supported by this browser`,
  damaged: (detail: string) => `the video file is damaged (${detail.length > 90 ? `${detail.slice(0, 89)}…` : detail}); nothing could be read from it`,
  tooSlow: 'could not be decoded: the fallback decoder stopped responding',
};

/** An error whose message is meant for the user as it is; anything else is wrapped. */
export class VideoError extends Error {}

/** What the ffmpeg.wasm fallback is told about why it runs. */
export interface FallbackReason {
  /** what WebCodecs lacks, as the subject of "… is not supported by this browser" */
  what: string;
  /** mediabunny knew the container, so if ffmpeg cannot read it either, the file is damaged */
  recognised: boolean;
}

/** WebCodecs cannot take this file; the caller tries ffmpeg.wasm. */
export class NeedsFallback extends Error implements FallbackReason {
  constructor(
    readonly what: string,
    readonly recognised: boolean,
    detail = '',
  ) {
    super(detail ? `${what} (${detail})` : what);
  }
}

export function describeError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
