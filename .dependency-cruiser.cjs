/**
 * The layering rules of Shoebox (STYLE.md, "Directions of dependency"), checked in `npm test`:
 * UI → state → clients → workers (type-only) → core; state and workers → db; core imports nothing of ours.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-is-pure',
      comment: 'src/lib/core is pure maths and parsing: it imports nothing of ours outside core.',
      severity: 'error',
      from: { path: '^src/lib/core/' },
      to: { path: '^(src|workers)/', pathNot: '^src/lib/core/' },
    },
    {
      name: 'components-see-state-and-core-only',
      comment: 'Components reach workers and storage only through state: they import components, state and core.',
      severity: 'error',
      from: { path: '^src/(App\\.svelte|main\\.ts|lib/components/)' },
      to: { path: '^(src|workers)/', pathNot: '^src/(App\\.svelte|app\\.css|lib/(components|state|core)/)' },
    },
    {
      name: 'only-ui-knows-ui',
      comment: 'Below the page (clients, workers and the stage modules they run, db, core) nothing imports state or components.',
      severity: 'error',
      from: { path: '^(src|workers)/', pathNot: '^src/(App\\.svelte|main\\.ts|lib/(components|state)/)' },
      to: { path: '^src/(App\\.svelte|lib/(state|components)/)' },
    },
    {
      name: 'db-holds-storage-only',
      comment: 'db/ holds schema, migrations and repositories: it imports core and db only.',
      severity: 'error',
      from: { path: '^src/lib/db/' },
      to: { path: '^(src|workers)/', pathNot: '^src/lib/(db|core)/' },
    },
    {
      name: 'clients-import-worker-types-only',
      comment: 'A client creates its worker by URL and imports only types from it.',
      severity: 'error',
      from: { path: '^src/lib/clients/' },
      to: { path: '^workers/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-cycles',
      severity: 'error',
      from: { path: '^(src|workers)/' },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist|test/fixtures)' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs', '.svelte'] },
  },
};
