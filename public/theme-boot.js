// Runs before the page is first drawn (a classic script in <head> blocks the parser, and nothing is
// drawn before <body>), so a theme chosen on this device shows from the first frame, with no flash of
// the system's theme. The CSP allows no inline script, hence this file. The choice is kept and set by
// src/lib/state/theme.svelte.ts under the same key; anything else there means "follow the system".
try {
  const choice = localStorage.getItem('shoebox.theme');
  if (choice === 'light' || choice === 'dark') document.documentElement.dataset.theme = choice;
} catch {
  // Storage blocked: follow the system.
}
