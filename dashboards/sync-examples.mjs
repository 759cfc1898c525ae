// Writes dashboards/examples/ (the dashboards config.example.yaml serves) from their sources: the bundled demo and
// system dashboards and each plugin's example.yaml. Copies, not symlinks: npm pack drops symlinks, and an editor
// resolves a relative `$schema` line from where the file is opened. Run by `npm run build`.
import { mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dashboards', 'examples');
const sources = [
  ['demo.yaml', join(root, 'dashboards', 'demo.yaml')],
  ['system.yaml', join(root, 'dashboards', 'system.yaml')],
  ...['http', 'mysql', 'postgres', 'redis'].map((plugin) => [`${plugin}.yaml`, join(root, 'plugins', plugin, 'example.yaml')]),
];
const SCHEMA_LINE = /^# yaml-language-server: \$schema=\S+$/m;
const schema = relative(out, join(root, 'core', 'schemas', 'dashboard.schema.json'));

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
for (const [name, source] of sources) {
  const text = readFileSync(source, 'utf8').replace(SCHEMA_LINE, `# yaml-language-server: $schema=${schema}`);
  const from = relative(root, source);
  // The note goes last, so a problem's line number is the same here as in the source.
  writeFileSync(join(out, name), `${text.trimEnd()}\n# Written by npm run build from ${from}: edit that file, not this one.\n`);
}
console.log(`dashboards/examples: ${readdirSync(out).length} files`);
