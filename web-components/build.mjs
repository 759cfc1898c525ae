// Bundles the elements into dist/web/rt-dashboard.js (one ES module, plus chunks loaded on demand such as
// ApexCharts) with source maps, and prints the sizes a page pays for.
import { build } from 'esbuild';
import { readFileSync, rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));
const outdir = join(here, '..', 'dist', 'web');
rmSync(outdir, { recursive: true, force: true });

const result = await build({
  entryPoints: { 'rt-dashboard': join(here, 'index.ts') },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  chunkNames: 'chunks/[name]-[hash]',
  metafile: true,
  legalComments: 'linked',
  logLevel: 'warning',
});

const kb = (n) => `${(n / 1024).toFixed(1)} kB`;
for (const file of Object.keys(result.metafile.outputs).filter((f) => f.endsWith('.js'))) {
  const body = readFileSync(file);
  console.log(`web bundle: ${relative(join(here, '..'), file).padEnd(44)} ${kb(body.length).padStart(9)}  gzip ${kb(gzipSync(body).length).padStart(8)}`);
}
