/**
 * The http plugin's examples stay true: the kit's checks on example.yaml and README.md, and every YAML block of
 * the README loaded by the real config and dashboard loaders with the http plugin registered.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { dashboardContext, parseDashboard, parseServerConfig } from '../../core/config/index.js';
import { packageRoot } from '../../core/paths.js';
import type { PluginDefinition } from '../../core/plugin.js';
import { PluginRegistry } from '../../core/registry.js';
import { builtinPlugins } from '../builtin.js';
import { runExampleChecks } from '../conformance.js';
import plugin from './index.js';

const DIR = join(packageRoot, 'plugins', 'http');

runExampleChecks({ plugin: plugin, dir: DIR, sources: ['self'] });

describe('examples: http README', () => {
  const registry = new PluginRegistry();
  for (const p of builtinPlugins) registry.register(p);
  // Until plugins/builtin.ts lists it, register it here; afterwards this is a no-op.
  if (registry.get('http') === undefined) registry.register(plugin as PluginDefinition);
  const readme = readFileSync(join(DIR, 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)].map((m) => m[1] as string);

  it('has a full config and the example dashboard, and no other YAML', () => {
    expect(blocks).to.have.length(2);
    expect(blocks[1]?.trim()).to.equal(readFileSync(join(DIR, 'example.yaml'), 'utf8').trim());
  });

  it('the config loads, and example.yaml loads against it with every query valid', () => {
    const config = parseServerConfig(blocks[0] as string, 'plugins/http/README.md', { PORT: '8080' }, registry, packageRoot);
    const self = config.datasources.find((s) => s.name === 'self');
    expect(self?.options).to.include({ url: 'http://127.0.0.1:8080', health_path: '/healthz' });
    const dashboard = parseDashboard(blocks[1] as string, 'plugins/http/example.yaml', dashboardContext(config, registry));
    expect(dashboard.widgets.map((w) => w.source)).to.satisfy((sources: unknown[]) => sources.every((s) => s === 'self'));
  });

  it('the loader reports a mixed ":variable" and a JSONPath script with readable messages', () => {
    const config = parseServerConfig(blocks[0] as string, 'README.md', { PORT: '8080' }, registry, packageRoot);
    const bad = [
      'id: bad',
      'title: Bad',
      'variables: { q: { type: text, pattern: "^[a-z]+$" } }',
      'widgets:',
      '  - id: w',
      '    title: W',
      '    type: table',
      '    source: self',
      '    query: { path: /x, params: { q: "name=:q" }, rows: "$[?(@.a)]", fields: [{ name: a, path: $.a, type: string }] }',
    ].join('\n');
    let message = '';
    try {
      parseDashboard(bad, 'bad.yaml', dashboardContext(config, registry));
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).to.match(/must be text without :variables inside, or exactly ":name"/);
    expect(message).to.match(/without script or filter expressions/);
  });
});
