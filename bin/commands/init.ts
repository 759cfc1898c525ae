/** `rtdash init [DIR]`: writes a working config.yaml and a first dashboard, never over existing files. */
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { packageRoot, schemaDir } from '../../core/paths.js';
import { parseCommand } from './args.js';

const USAGE = `Usage: rtdash init [DIR]

Writes DIR/config.yaml and DIR/dashboards/hello.yaml (DIR defaults to the current folder).
Existing files are left alone. Then: cd DIR && rtdash serve`;

/** The starter config: the demo and system sources, the dashboards folder watched. */
export const STARTER_CONFIG = `# yaml-language-server: $schema=SCHEMA_DIR/config.schema.json
# rtdash server configuration. See docs/configuration.md for every key.
server:
  host: 127.0.0.1
  port: \${PORT:-8080}
  # Other sites allowed to embed this server's dashboards (docs/embedding.md):
  # origins: [http://127.0.0.1:3000]
datasources:
  demo:
    type: demo
  system:
    type: system
dashboards:
  dir: dashboards
  watch: true
`;

/** The starter dashboard. */
export const STARTER_DASHBOARD = `# yaml-language-server: $schema=SCHEMA_DIR/dashboard.schema.json
id: hello
title: Hello, rtdash
refresh: 2s
layout: { columns: 12 }
widgets:
  - id: users
    title: Active users
    type: stat
    source: demo
    query: active_users
    every: 1s
    size: { w: 4, h: 2 }
  - id: revenue
    title: Revenue per minute
    type: line
    source: demo
    query: revenue
    every: 2s
    keep: 30m
    x: time
    y: [revenue]
    unit: currency:EUR
    size: { w: 8, h: 4 }
`;

/** Runs `rtdash init`. */
export async function initCommand(args: string[]): Promise<number> {
  const parsed = parseCommand(args, {}, USAGE);
  if (!parsed) return 0;
  const dir = resolve(parsed.positionals[0] ?? '.');
  await mkdir(join(dir, 'dashboards'), { recursive: true });
  // Editors find the schema files of this installation, which work offline and match its version.
  const withSchemas = (text: string) => text.replace('SCHEMA_DIR', pathToFileURL(schemaDir).href);
  const files: [string, string][] = [
    [join(dir, 'config.yaml'), withSchemas(STARTER_CONFIG)],
    [join(dir, 'dashboards', 'hello.yaml'), withSchemas(STARTER_DASHBOARD)],
  ];
  for (const [file, text] of files) {
    const shown = relative(process.cwd(), file) || file;
    if (existsSync(file)) {
      console.log(`kept     ${shown} (already there)`);
      continue;
    }
    await writeFile(file, text, { flag: 'wx' });
    console.log(`created  ${shown}`);
  }
  console.log(`\nNext: cd ${relative(process.cwd(), dir) || '.'} && ${serveCommandFor(dir)}`);
  return 0;
}

/**
 * How to start the server from `dir`, as this rtdash was installed: `npx rtdash serve` where the project's own
 * node_modules (or this checkout) has it, `rtdash serve` for a global install, else the full path to the CLI.
 */
function serveCommandFor(dir: string): string {
  const inside = (parent: string, child: string) => !relative(parent, child).startsWith('..');
  const installedAt = packageRoot.lastIndexOf(`${sep}node_modules${sep}`);
  if (installedAt >= 0) {
    const project = packageRoot.slice(0, installedAt);
    return inside(project, dir) ? 'npx rtdash serve' : 'rtdash serve';
  }
  if (inside(packageRoot, dir)) return 'npx rtdash serve';
  return `node ${join(packageRoot, 'dist', 'bin', 'rtdash.js')} serve`;
}
