/// <reference lib="webworker" />
// The search quality check's figures (src/lib/core/quality.ts) off the page's thread: at 1,000
// photos × 1,000 labels they are seconds of dot products.
import { expose } from 'comlink';
import { qualityFigures } from '../src/lib/core/quality';

const api = {
  figures: qualityFigures,
};

export type QualityFiguresApi = typeof api;
expose(api);
