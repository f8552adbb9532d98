import { createContext } from 'svelte';

/**
 * The item the viewer showed last when it closed, and the one it was opened on. After ←/→ the
 * grid that shows `id` sets `claimed`, scrolls to its tile and focuses it; otherwise the element
 * that opened the viewer (a tile, a moment's button) gets the focus back.
 */
export interface FocusReturn {
  id: string;
  openedOn: string;
  claimed: boolean;
}

/** Set once by the page; read by every grid under it (the timeline, results, albums, places). */
export const [getFocusReturn, setFocusReturn, hasFocusReturn] = createContext<() => FocusReturn | null>();
