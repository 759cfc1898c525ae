/** Plugins named in config.yaml: TypeScript and JavaScript files, and one that is broken. */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadServerConfig } from '../core/config/index.js';
import { silentLogger } from '../core/logger.js';
import { packageRoot } from '../core/paths.js';
import { startServer } from '../core/server.js';
import { builtinPlugins } from '../plugins/builtin.js';
import { connect } from './support/ws-client.js';

const HELPER_TS = `export function greeting(name: string): string { return 'hello ' + name; }\n`;
const PLUGIN_TS = `import { definePlugin, type Frame } from 'rtdash';
import { greeting } from './helper.js';

export default definePlugin<{ prefix?: string }, string>({
  type: 'greeter',
  description: 'Greets',
  optionsSchema: { type: 'object', additionalProperties: false, properties: { prefix: { type: 'string' } } },
  querySchema: { type: 'string' },
  create(ctx) {
    return {
      async query(query, { range }): Promise<Frame> {
        return { fields: [
          { name: 'time', type: 'time', values: [range.to] },
          { name: 'text', type: 'string', values: [(ctx.options.prefix ?? '') + greeting(query)] },
        ] };
      },
      async health() { return { status: 'ok' }; },
    };
  },
});
`;
const PLUGIN_JS = `export const plugin = {
  type: 'counter-js', description: 'Counts', optionsSchema: { type: 'object' }, querySchema: { type: 'string' },
  create: () => { let n = 0; return { query: async (q, { range }) => ({ fields: [{ name: 'time', type: 'time', values: [range.to] }, { name: 'n', type: 'number', values: [++n] }] }), health: async () => ({ status: 'ok' }) }; },
};
`;
const BROKEN_TS = `import { definePlugin } from 'rtdash';\nexport default definePlugin({ type: 'broken', oops: [ });\n`;

const CONFIG = `plugins: [./greeter.ts, ./counter.mjs, ./broken.ts]
datasources:
  hello: { type: greeter, prefix: "> " }
  count: { type: counter-js }
  gone: { type: broken }
  demo: { type: demo }
dashboards: { dir: dashboards, watch: false }
log: { level: silent }
`;
const DASHBOARD = `id: plugins
title: Plugins
widgets:
  - { id: hi, title: Hi, type: table, source: hello, query: world, every: 200ms }
  - { id: n, title: N, type: line, source: count, query: x, every: 200ms }
  - { id: gone, title: Gone, type: line, source: gone, query: x, every: 200ms }
  - { id: users, title: Users, type: stat, source: demo, query: active_users, every: 200ms }
`;

describe('plugins from config.yaml', function () {
  this.timeout(20_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rtdash-plugins-'));
    writeFileSync(join(dir, 'helper.ts'), HELPER_TS);
    writeFileSync(join(dir, 'greeter.ts'), PLUGIN_TS);
    writeFileSync(join(dir, 'counter.mjs'), PLUGIN_JS);
    writeFileSync(join(dir, 'broken.ts'), BROKEN_TS);
    writeFileSync(join(dir, 'config.yaml'), CONFIG);
    spawnSync('mkdir', ['-p', join(dir, 'dashboards')]);
    writeFileSync(join(dir, 'dashboards', 'plugins.yaml'), DASHBOARD);
  });
  after(() => { if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true }); });

  it('loads TypeScript and JavaScript plugins, and keeps serving when one is broken', async () => {
    const config = await loadServerConfig(join(dir, 'config.yaml'));
    const server = await startServer(config, { plugins: builtinPlugins, logger: silentLogger(), port: 0 });
    try {
      const c = await connect(server.url.replace('http', 'ws') + '/ws');
      c.send({ type: 'subscribe', dashboard: 'plugins' });
      await c.nextOf('snapshot');
      const seen = new Map<string, { status: string; frame?: { fields: { values: unknown[] }[] }; error?: { code: string; message: string } }>();
      while (seen.size < 4) for (const u of (await c.nextOf('update')).updates as { w: string; status: string }[]) seen.set(u.w, u as never);
      expect(seen.get('hi')!.frame!.fields[1]!.values).to.deep.equal(['> hello world']);
      expect(seen.get('n')!.status).to.equal('ok');
      expect(seen.get('users')!.status).to.equal('ok');
      expect(seen.get('gone')!.status).to.equal('error');
      // Viewers learn that the plugin failed to load, not the loader's words (a server path, the module's text).
      expect(seen.get('gone')!.error).to.deep.include({ code: 'RTDASH_PLUGIN_INVALID', message: 'the plugin of this source failed to load' });
      expect(JSON.stringify(seen.get('gone'))).not.to.include('broken.ts');
      const health = (await (await fetch(`${server.url}/api/datasources`)).json()) as { name: string; health: { status: string } }[];
      expect(health.find((h) => h.name === 'gone')!.health.status).to.equal('down');
      expect(health.find((h) => h.name === 'hello')!.health.status).to.equal('ok');
      await c.close();
    } finally {
      await server.close();
    }
  });

  it('rtdash validate fails on a plugin that does not load, pointing at its entry in the config', () => {
    const result = spawnSync(process.execPath, [join(packageRoot, 'dist', 'bin', 'rtdash.js'), 'validate', '--config', join(dir, 'config.yaml')], { encoding: 'utf8' });
    expect(result.status).to.equal(1);
    expect(result.stderr).to.include(`${join(dir, 'config.yaml')}:1:40: plugin "${join(dir, 'broken.ts')}" cannot be loaded`);
  });
});
