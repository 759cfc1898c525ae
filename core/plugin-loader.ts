/**
 * Imports a plugin module named in config.yaml: a JavaScript file, a TypeScript file (compiled on the
 * fly with esbuild, so a plugin author needs no build step), or an installed package name resolved
 * from the config file's folder.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { basename, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { packageRoot } from './paths.js';

const TYPESCRIPT = /\.(c|m)?tsx?$/;

/** The package's own entry points, so a plugin's `import … from 'rtdash'` works wherever the plugin lives. */
const SELF: Record<string, string> = {
  rtdash: join(packageRoot, 'dist', 'core', 'index.js'),
  'rtdash/testing': join(packageRoot, 'dist', 'plugins', 'conformance.js'),
  'rtdash/plugins': join(packageRoot, 'dist', 'plugins', 'builtin.js'),
};

/** A plugin module's exports, and where its code runs from (for telling which plugin a stack trace points at). */
export interface ImportedPlugin {
  exports: Record<string, unknown>;
  /**
   * The file the module runs from (a `.js` file itself; for a `.ts` file, the bundle compiled from it and its
   * local imports), or for a package the folder of its entry point.
   */
  origin: string;
}

/** Imports `specifier` (a path relative to `baseDir`, an absolute path, or a package name) and returns its exports. */
export async function importPlugin(specifier: string, baseDir: string): Promise<ImportedPlugin> {
  const isPath = specifier.startsWith('.') || isAbsolute(specifier);
  if (!isPath) {
    const url = resolvePackage(specifier, baseDir);
    const exports = (await import(url)) as Record<string, unknown>;
    return { exports, origin: url.startsWith('file:') ? dirname(fileURLToPath(url)) + sep : url };
  }
  const file = resolve(baseDir, specifier);
  if (!existsSync(file)) throw new Error(`no such file: ${file}`);
  if (!TYPESCRIPT.test(file)) return { exports: (await import(pathToFileURL(file).href)) as Record<string, unknown>, origin: file };
  return importTypeScript(file);
}

/**
 * Compiles a TypeScript plugin (and the local files it imports) into one module next to it, imports
 * it, and removes it. Next to it, so the packages it imports resolve from its own node_modules.
 */
async function importTypeScript(file: string): Promise<ImportedPlugin> {
  const tag = createHash('sha256').update(`${file}:${Date.now()}:${Math.random()}`).digest('hex').slice(0, 8);
  const outfile = join(dirname(file), `.${basename(file).replace(TYPESCRIPT, '')}.rtdash-${tag}.mjs`);
  try {
    await build({
      entryPoints: [file],
      outfile,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      packages: 'external',
      logLevel: 'silent',
      plugins: [
        {
          name: 'rtdash-self',
          setup(b) {
            b.onResolve({ filter: /^rtdash(\/.*)?$/ }, (args) => {
              const target = SELF[args.path];
              return target ? { path: pathToFileURL(target).href, external: true } : undefined;
            });
          },
        },
      ],
    });
    return { exports: (await import(pathToFileURL(outfile).href)) as Record<string, unknown>, origin: outfile };
  } catch (err) {
    const errors = (err as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] }).errors;
    if (errors?.length) {
      throw new Error(errors.map((e) => (e.location ? `${resolve(e.location.file)}:${e.location.line}:${e.location.column + 1}: ${e.text}` : e.text)).join('; '), { cause: err });
    }
    throw err;
  } finally {
    await rm(outfile, { force: true });
  }
}

/** Resolves a package name from the config's folder first (where the user installed it), then from rtdash's. */
function resolvePackage(name: string, baseDir: string): string {
  if (SELF[name]) return pathToFileURL(SELF[name]).href;
  for (const from of [join(baseDir, 'noop.js'), join(packageRoot, 'noop.js')]) {
    try {
      return pathToFileURL(createRequire(from).resolve(name)).href;
    } catch {
      // ESM-only packages have no "require" condition: fall through to Node's own resolution.
    }
  }
  return name;
}
