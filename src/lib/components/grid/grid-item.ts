import type { AssetType, ItemMotion } from '../../core/records';
import type { Moment } from '../../core/moments';

/** What a grid tile shows of one item: an item record or a search result both fit. */
export interface GridItem {
  id: string;
  name: string;
  type: AssetType;
  takenAtMs: number;
  durationSec?: number;
  /** A Live Photo or Motion Photo: its tile carries a badge. */
  motion?: Pick<ItemMotion, 'kind'>;
  nearDuplicateOf?: { name: string };
  /** Search results only: the similarity, the name-match badge and the best moments of a video. */
  score?: number | null;
  /** 1-based place in relevance order (kept when the results are shown by date). */
  rank?: number;
  nameMatch?: boolean;
  moments?: Moment[];
}

/** How a click or key chose an item: Shift extends a range, Ctrl/Cmd (or the checkbox, or Space) toggles one. */
export interface SelectHow {
  shift: boolean;
  toggle: boolean;
}
