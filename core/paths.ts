/** Where the package's own files are, wherever it is installed or compiled to. */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'core', 'schemas'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`rtdash: cannot find the package root above ${start}`);
    dir = parent;
  }
}

/** The folder holding package.json. */
export const packageRoot = findRoot(dirname(fileURLToPath(import.meta.url)));
/** The folder of the JSON Schemas served at /schemas/. */
export const schemaDir = join(packageRoot, 'core', 'schemas');
/** The bundled example dashboards. */
export const bundledDashboardDir = join(packageRoot, 'dashboards');
