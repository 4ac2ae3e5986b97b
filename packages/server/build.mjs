// Bundles the server with esbuild (fast enough to run before every `npm start`).
import { build } from 'esbuild';

await build({
  // the SQLite writer thread loads dist/sqlite-writer.worker.js, next to main.js
  entryPoints: { main: 'src/main.ts', 'sqlite-writer.worker': 'src/storage/sqlite/sqlite-writer.worker.ts' },
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  packages: 'external',
  logLevel: 'warning',
});
