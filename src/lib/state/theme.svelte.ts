/** The page's colours: the system's choice, or one the user pinned on this device. */
export type ThemeChoice = 'system' | 'light' | 'dark';

export const THEME_CHOICES: readonly ThemeChoice[] = ['system', 'light', 'dark'];

/*
 * public/theme-boot.js reads the same key before the first paint. Kept in localStorage, not IndexedDB with the library: it is a setting of this device's screen,
 * not of the library (an exported archive must not carry it), and it has to be read synchronously
 * before the first paint, which an IndexedDB request cannot be.
 */
const STORAGE_KEY = 'shoebox.theme';

function isChoice(value: unknown): value is ThemeChoice {
  return THEME_CHOICES.includes(value as ThemeChoice);
}

function readStored(): ThemeChoice {
  try {
    const stored = localStorage.getItem(STORAGE_KEY);
    return isChoice(stored) ? stored : 'system';
  } catch {
    // Storage blocked (privacy settings): follow the system.
    return 'system';
  }
}

/**
 * Applies a choice to the page. app.css reads `data-theme` on <html> to pin the colour scheme;
 * without it the scheme follows the system. The two theme-color metas of index.html normally
 * follow the system through their media queries; a pinned theme switches the matching one on
 * for any system setting, so the browser's own bar matches the page.
 */
function apply(choice: ThemeChoice): void {
  const root = document.documentElement;
  if (choice === 'system') delete root.dataset.theme;
  else root.dataset.theme = choice;
  for (const meta of document.querySelectorAll<HTMLMetaElement>('meta[name="theme-color"][data-scheme]')) {
    const scheme = meta.dataset.scheme;
    meta.media = choice === 'system' ? `(prefers-color-scheme: ${scheme})` : choice === scheme ? 'all' : 'not all';
  }
}

/**
 * Called by main.ts before the app mounts: sets the theme-color metas for a pinned theme
 * (public/theme-boot.js has already set data-theme before the first paint).
 */
export function applyStoredTheme(): void {
  apply(readStored());
}

/** The Theme control's state: the choice on this device, saved and applied when it changes. */
export class ThemePreference {
  choice = $state<ThemeChoice>(readStored());

  constructor() {
    // Another tab of Shoebox changed it: this one follows, as the next reload would.
    addEventListener('storage', (event: StorageEvent) => {
      if (event.key !== STORAGE_KEY && event.key !== null) return;
      this.choice = readStored();
      apply(this.choice);
    });
  }

  set(choice: ThemeChoice): void {
    this.choice = choice;
    try {
      if (choice === 'system') localStorage.removeItem(STORAGE_KEY);
      else localStorage.setItem(STORAGE_KEY, choice);
    } catch {
      // Not saved (storage blocked): it still applies until the page is closed.
    }
    apply(choice);
  }
}
