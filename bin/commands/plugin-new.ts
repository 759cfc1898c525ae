/**
 * `rtdash plugin new NAME [DIR]`: scaffolds a data-source plugin folder (one TypeScript file, its
 * tests on the shared conformance kit, an example dashboard, a README) whose tests pass as written.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { packageRoot } from '../../core/paths.js';
import { USAGE_EXIT, parseCommand } from './args.js';

const USAGE = `Usage: rtdash plugin new NAME [DIR]

Writes a data-source plugin into DIR (default ./NAME): NAME.ts, NAME.test.ts, example.yaml,
README.md, package.json and tsconfig.json. Then: cd DIR && npm install && npm test`;

const NAME = /^[a-z][a-z0-9-]{0,40}$/;
const TEMPLATES = join(packageRoot, 'bin', 'commands', 'plugin-template');

/** Runs `rtdash plugin …`. */
export async function pluginCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub !== 'new') {
    console.error(sub === undefined || sub === '--help' || sub === '-h' ? USAGE : `rtdash plugin: unknown subcommand "${sub}"\n\n${USAGE}`);
    return sub === '--help' || sub === '-h' ? 0 : 1;
  }
  const parsed = parseCommand(rest, {}, USAGE);
  if (!parsed) return 0;
  const [name, target] = parsed.positionals;
  if (name === undefined || !NAME.test(name)) {
    console.error(`rtdash plugin new: NAME must be lowercase letters, digits and -, starting with a letter (it becomes the plugin's type); got ${JSON.stringify(name ?? '')}\n\n${USAGE}`);
    return USAGE_EXIT;
  }
  const dir = resolve(target ?? name);
  if (existsSync(dir) && (await readdir(dir)).length > 0) {
    console.error(`rtdash plugin new: ${dir} exists and is not empty; choose another DIR`);
    return 1;
  }
  await mkdir(dir, { recursive: true });
  const own = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> };
  const vars: Record<string, string> = {
    NAME: name,
    CLASS: name.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase()),
    RTDASH_VERSION: own.version,
    // Relative, so the plugin folder works on any machine with the same layout (a plugin beside the project that
    // installed rtdash, or inside it): an absolute path would hold only on this one.
    RTDASH_PATH: relative(dir, packageRoot).split(sep).join('/') || '.',
    TYPESCRIPT: own.devDependencies.typescript ?? '*',
    MOCHA: own.devDependencies.mocha ?? '*',
    TYPES_MOCHA: own.devDependencies['@types/mocha'] ?? '*',
    TYPES_NODE: own.devDependencies['@types/node'] ?? '*',
  };
  for (const template of await readdir(TEMPLATES)) {
    const text = (await readFile(join(TEMPLATES, template), 'utf8')).replace(/__([A-Z_]+)__/g, (m, key: string) => vars[key] ?? m);
    const file = join(dir, template.replace('plugin', name).replace(/\.tmpl$/, ''));
    await writeFile(file, text, { flag: 'wx' });
    console.log(`created  ${relative(process.cwd(), file)}`);
  }
  console.log(`\nNext: cd ${relative(process.cwd(), dir) || '.'} && npm install && npm test`);
  return 0;
}
