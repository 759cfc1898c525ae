/**
 * The redis plugin's examples stay valid: README.md embeds example.yaml, every widget query there passes the
 * query schema, and every other YAML block of the README is a config.yaml the server accepts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { dashboardContext, parseDashboard, parseServerConfig } from '../../core/config/index.js';
import { packageRoot } from '../../core/paths.js';
import type { PluginDefinition } from '../../core/plugin.js';
import { runExampleChecks } from '../conformance.js';
import redis from './index.js';

const dir = join(packageRoot, 'plugins', 'redis');
const lookup = (type: string): PluginDefinition | undefined => (type === 'redis' ? (redis as PluginDefinition) : undefined);

runExampleChecks({ plugin: redis, dir, sources: ['live'] });

/** The ```yaml blocks of a Markdown file. */
function yamlBlocks(file: string): { text: string; line: number }[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const blocks: { text: string; line: number }[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]?.trim() !== '```yaml') continue;
    const start = i + 1;
    while (++i < lines.length && lines[i]?.trim() !== '```');
    blocks.push({ text: lines.slice(start, i).join('\n'), line: start + 1 });
  }
  return blocks;
}

describe('redis README and example', () => {
  const example = readFileSync(join(dir, 'example.yaml'), 'utf8');
  const blocks = yamlBlocks(join(dir, 'README.md'));

  it('has config blocks and the example, nothing else in ```yaml', () => {
    const configs = blocks.filter((b) => b.text.trim() !== example.trim());
    expect(blocks.length - configs.length, 'the example, once').to.equal(1);
    expect(configs.length).to.be.at.least(2);
    for (const block of configs) {
      const config = parseServerConfig(block.text, `README.md:${block.line}`, { PORT: '8080' }, lookup, packageRoot);
      expect(config.datasources.map((d) => `${d.name}:${d.type}`), `README.md:${block.line}`).to.deep.equal(['live:redis']);
    }
  });

  it('example.yaml loads as a whole dashboard against each README config', () => {
    for (const block of blocks.filter((b) => b.text.trim() !== example.trim())) {
      const config = parseServerConfig(block.text, 'config.yaml', { PORT: '8080' }, lookup, packageRoot);
      const dashboard = parseDashboard(example, 'example.yaml', dashboardContext(config, lookup));
      expect(dashboard.widgets.map((w) => w.source)).to.satisfy((sources: unknown[]) => sources.every((s) => s === 'live'));
      expect(dashboard.widgets.some((w) => w.listen !== undefined), 'one widget is pushed').to.equal(true);
    }
  });
});
