/**
 * What `rtdash plugin new` and `rtdash notifier new` share: a NAME checked as a type, a folder that must be empty, and
 * a folder of templates written into it with __VARS__ filled in (NAME, CLASS, the versions of rtdash and its tools).
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { packageRoot } from '../../core/paths.js';
import { USAGE_EXIT, parseCommand } from './args.js';

const NAME = /^[a-z][a-z0-9-]{0,40}$/;

/** One kind of scaffold: its command, usage, templates folder (under bin/commands), and what `template` files become. */
export interface ScaffoldKind {
  command: string;
  usage: string;
  templates: string;
  /** The part of a template's file name replaced by NAME (`plugin.ts.tmpl` → `acme.ts`). */
  stem: string;
  /** What NAME becomes, for the error message: "the plugin's type". */
  nameIs: string;
}

/** Runs `rtdash KIND new NAME [DIR]` with `args` after `new`. */
export async function scaffold(kind: ScaffoldKind, args: string[]): Promise<number> {
  const parsed = parseCommand(args, {}, kind.usage);
  if (!parsed) return 0;
  const [name, target] = parsed.positionals;
  if (name === undefined || !NAME.test(name)) {
    console.error(`${kind.command}: NAME must be lowercase letters, digits and -, starting with a letter (it becomes ${kind.nameIs}); got ${JSON.stringify(name ?? '')}\n\n${kind.usage}`);
    return USAGE_EXIT;
  }
  const dir = resolve(target ?? name);
  if (existsSync(dir) && (await readdir(dir)).length > 0) {
    console.error(`${kind.command}: ${dir} exists and is not empty; choose another DIR`);
    return 1;
  }
  await mkdir(dir, { recursive: true });
  const own = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string; devDependencies: Record<string, string> };
  const vars: Record<string, string> = {
    NAME: name,
    CLASS: name.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase()),
    ENV: `${name.toUpperCase().replace(/-/g, '_')}_URL`,
    RTDASH_VERSION: own.version,
    // Relative, so the folder works on any machine with the same layout (beside or inside the project that
    // installed rtdash): an absolute path would hold only on this one.
    RTDASH_PATH: relative(dir, packageRoot).split(sep).join('/') || '.',
    TYPESCRIPT: own.devDependencies.typescript ?? '*',
    MOCHA: own.devDependencies.mocha ?? '*',
    TYPES_MOCHA: own.devDependencies['@types/mocha'] ?? '*',
    TYPES_NODE: own.devDependencies['@types/node'] ?? '*',
  };
  const templates = join(packageRoot, 'bin', 'commands', kind.templates);
  for (const template of await readdir(templates)) {
    const text = (await readFile(join(templates, template), 'utf8')).replace(/__([A-Z_]+)__/g, (m, key: string) => vars[key] ?? m);
    const file = join(dir, template.replace(kind.stem, name).replace(/\.tmpl$/, ''));
    await writeFile(file, text, { flag: 'wx' });
    console.log(`created  ${relative(process.cwd(), file)}`);
  }
  console.log(`\nNext: cd ${relative(process.cwd(), dir) || '.'} && npm install && npm test`);
  return 0;
}

/** Runs `rtdash WHAT …`: only `new` is there. */
export function scaffoldCommand(what: string, kind: ScaffoldKind): (args: string[]) => Promise<number> {
  return async (args) => {
    const [sub, ...rest] = args;
    if (sub === '--help' || sub === '-h') {
      console.log(kind.usage);
      return 0;
    }
    if (sub !== 'new') {
      console.error(sub === undefined ? kind.usage : `rtdash ${what}: unknown subcommand "${sub}"\n\n${kind.usage}`);
      return USAGE_EXIT;
    }
    return scaffold(kind, rest);
  };
}
