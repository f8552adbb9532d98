#!/usr/bin/env node
// The layering rules (.dependency-cruiser.cjs) over src/ and workers/, .svelte files included.
// dependency-cruiser reads a .svelte file through the Svelte compiler, whose output has lost the
// type-only imports ("import type { X } from '../../db/schema'"), which are exactly the imports
// that leak storage types into components. So the check runs on a mirror of the tree in which each
// component is its <script> blocks as TypeScript (`Foo.svelte` → `Foo.svelte.ts`, which an import
// of './Foo.svelte' resolves to); every other file is copied as is.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const MIRROR = join(ROOT, '.cache', 'layers');
const SCRIPT = /<script\b[^>]*>([\s\S]*?)<\/script>/g;

function mirror(dir) {
  for (const name of readdirSync(dir)) {
    const from = join(dir, name);
    const to = join(MIRROR, relative(ROOT, from));
    if (statSync(from).isDirectory()) {
      mirror(from);
    } else if (name.endsWith('.svelte')) {
      const scripts = [...readFileSync(from, 'utf8').matchAll(SCRIPT)].map((m) => m[1]);
      mkdirSync(dirname(to), { recursive: true });
      writeFileSync(`${to}.ts`, scripts.join('\n'));
    } else {
      mkdirSync(dirname(to), { recursive: true });
      cpSync(from, to);
    }
  }
}

rmSync(MIRROR, { recursive: true, force: true });
for (const top of ['src', 'workers']) mirror(join(ROOT, top));
cpSync(join(ROOT, 'tsconfig.json'), join(MIRROR, 'tsconfig.json'));
const cruise = spawnSync(
  process.execPath,
  [join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs'), 'src', 'workers', '--config', join(ROOT, '.dependency-cruiser.cjs'), ...process.argv.slice(2)],
  { cwd: MIRROR, stdio: 'inherit' },
);
process.exit(cruise.status ?? 1);
