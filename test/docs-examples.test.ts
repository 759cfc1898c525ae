/**
 * Every YAML example a user may copy is valid: the blocks in README.md and docs/, every dashboard in
 * dashboards/, every plugin's example.yaml, and config.example.yaml.
 */
import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../core/paths.js';
import { dashboardContext, parseAlertFile, parseDashboard, parseServerConfig, type DashboardContext } from '../core/config/index.js';
import { PluginRegistry } from '../core/registry.js';
import { builtinPlugins } from '../plugins/builtin.js';

const registry = new PluginRegistry();
for (const p of builtinPlugins) registry.register(p);

// The notifier the docs' alert rules name, the SQL and Redis sources of docs/time.md's bucketing examples and docs/variables.md.
const EMBEDDED = 'datasources: { demo: { type: demo }, system: { type: system }, shopdb: { type: postgres, url: "postgres://rtdash@127.0.0.1:5432/shop" }, shopmy: { type: mysql, url: "mysql://rtdash@127.0.0.1/shop" }, live: { type: redis, url: "redis://127.0.0.1:6379/0" } }\nnotifiers: { ops-webhook: { type: webhook, url: "https://hooks.example.com/rtdash" } }';
const context = dashboardContext(parseServerConfig(EMBEDDED, 'embedded.yaml', {}, registry), registry);
/** The bundled dashboards, which standalone alert files in the docs refer to. */
const bundled = readdirSync(join(packageRoot, 'dashboards'))
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => parseDashboard(readFileSync(join(packageRoot, 'dashboards', f), 'utf8'), `dashboards/${f}`, context));

function yamlBlocks(file: string): { text: string; line: number }[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const blocks: { text: string; line: number }[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```yaml') continue;
    const start = i + 1;
    while (++i < lines.length && lines[i]!.trim() !== '```');
    blocks.push({ text: lines.slice(start, i).join('\n'), line: start + 1 });
  }
  return blocks;
}

/** In a plugin's own README and example, every source name means that plugin. */
function pluginContext(type: string): DashboardContext {
  const plugin = registry.get(type);
  return { sources: () => (plugin ? { type, plugin } : { type }) };
}

function check(text: string, where: string, plugin?: string): void {
  if (/^\s*widgets:/m.test(text) || /^id:/m.test(text)) parseDashboard(text, where, plugin ? pluginContext(plugin) : context);
  else if (/^alerts:\s*$/m.test(text)) parseAlertFile(text, where, bundled, context);
  // The docs keep secrets in the environment, as a user should: give them stand-ins of a valid length.
  else parseServerConfig(text, where, { PORT: '8080', RTDASH_EMBED_SECRET: 'x'.repeat(64), RTDASH_ADMIN_TOKEN: 'y'.repeat(32), RTDASH_WEBHOOK_SECRET: 'w'.repeat(32), SMTP_PASSWORD: 'password', RTDASH_HOOK_AUTH: 'dTpwdw==', DISCORD_WEBHOOK_URL: 'https://discord.com/api/webhooks/1/x', TEAMS_WORKFLOW_URL: 'https://prod-00.westeurope.logic.azure.com/workflows/x', PAGERDUTY_ROUTING_KEY: 'R0UT1NGK3Y0000000000000000000000', TELEGRAM_BOT_TOKEN: '123456:ABC-def', RTDASH_SESSION_SECRET: 's'.repeat(64), OIDC_CLIENT_SECRET: 'client-secret' }, registry, packageRoot);
}

describe('documented examples', function () {
  const docs = ['README.md', ...readdirSync(join(packageRoot, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  const pluginDirs = readdirSync(join(packageRoot, 'plugins'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
  for (const dir of pluginDirs) docs.push(`plugins/${dir}/README.md`);

  it('the docs have YAML examples to check', () => {
    const total = docs.reduce((n, f) => n + yamlBlocks(join(packageRoot, f)).length, 0);
    expect(total).to.be.greaterThan(5);
  });

  // docs/plugins.md's examples configure the plugin its tutorial builds: test/plugin-scaffold.test.ts runs them for real.
  for (const doc of docs.filter((d) => d !== 'docs/plugins.md')) {
    for (const block of yamlBlocks(join(packageRoot, doc))) {
      const plugin = /^plugins\/([^/]+)\//.exec(doc)?.[1];
      it(`${doc}:${block.line} is valid`, () => check(block.text, `${doc}:${block.line}`, plugin));
    }
  }

  for (const file of readdirSync(join(packageRoot, 'dashboards')).filter((f) => f.endsWith('.yaml'))) {
    it(`dashboards/${file} is valid`, () => check(readFileSync(join(packageRoot, 'dashboards', file), 'utf8'), `dashboards/${file}`));
  }
  for (const dir of pluginDirs) {
    it(`plugins/${dir}/example.yaml is valid`, () => check(readFileSync(join(packageRoot, 'plugins', dir, 'example.yaml'), 'utf8'), `plugins/${dir}/example.yaml`, dir));
  }
  it('config.example.yaml is valid', () => check(readFileSync(join(packageRoot, 'config.example.yaml'), 'utf8'), 'config.example.yaml'));
});
