/**
 * The prometheus plugin's examples stay true: the kit's checks on example.yaml and README.md, the README's
 * config loaded by the real loader, and every widget of example.yaml asked of a real Prometheus that scrapes
 * a real rtdash server and itself, as the README's "Trying it" sets up.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { parse as parseYaml } from 'yaml';
import { parseServerConfig } from '../../core/config/index.js';
import { packageRoot } from '../../core/paths.js';
import { PluginRegistry } from '../../core/registry.js';
import { startPrivatePrometheus, untilScraped, missingForPrometheus } from '../../test/support/private-prometheus.js';
import { needBinaries } from '../../test/support/private-process.js';
import type { PrivateServer, Removable } from '../../test/support/private-server.js';
import { freePort } from '../../test/support/tcp-proxy.js';
import { startTestServer, type TestServer } from '../../test/support/test-server.js';
import { builtinPlugins } from '../builtin.js';
import { fakePluginContext, fakeQueryContext, runExampleChecks } from '../conformance.js';
import plugin, { type PrometheusQuery } from './index.js';

const DIR = join(packageRoot, 'plugins', 'prometheus');

runExampleChecks({ plugin, dir: DIR, sources: ['prometheus'] });

describe('examples: prometheus README', () => {
  const readme = readFileSync(join(DIR, 'README.md'), 'utf8');
  const config = /^```yaml\n([\s\S]*?)^```$/m.exec(readme)?.[1] as string;

  it('the config loads, with both sources and the secret from the environment', () => {
    const registry = new PluginRegistry();
    for (const p of builtinPlugins) registry.register(p);
    const loaded = parseServerConfig(config, 'plugins/prometheus/README.md', { PORT: '8080', PROM_PASSWORD: 'from-env' }, registry, packageRoot);
    expect(loaded.datasources.find((s) => s.name === 'prometheus')?.options).to.include({ url: 'http://127.0.0.1:9090' });
    const cloud = loaded.datasources.find((s) => s.name === 'metrics_cloud');
    expect(cloud?.maxColumns).to.equal(200);
    expect(cloud?.options['basic_auth']).to.deep.equal({ username: 'rtdash', password: 'from-env' });
  });
});

describe('examples: example.yaml on a real Prometheus scraping rtdash', function () {
  this.timeout(60_000);
  let app: TestServer | undefined;
  let prom: Removable<PrivateServer> | undefined;
  before(async function () {
    needBinaries(this, missingForPrometheus());
    app = await startTestServer({});
    const port = await freePort();
    prom = await startPrivatePrometheus([{ job: 'rtdash', targets: [new URL(app.server.url).host] }, { job: 'prometheus', targets: [`127.0.0.1:${port}`] }], port);
    // Two scrapes of each: a range query's last step (a whole second) then lies after the first one.
    await untilScraped(prom.url, 'count_over_time(up{job="rtdash"}[1m]) > 1');
    await untilScraped(prom.url, 'count_over_time(up{job="prometheus"}[1m]) > 1');
  });
  after(async () => {
    await prom?.remove();
    await app?.stop();
  });

  it('answers every widget of example.yaml, for each value of its variable', async () => {
    const dashboard = parseYaml(readFileSync(join(DIR, 'example.yaml'), 'utf8')) as { variables: { job: { options: string[] } }; widgets: { id: string; query: PrometheusQuery }[] };
    const source = await plugin.create(fakePluginContext({ url: prom!.url }));
    try {
      for (const job of dashboard.variables.job.options) {
        for (const widget of dashboard.widgets) {
          const frame = await source.query(widget.query, fakeQueryContext({ variables: { job } }));
          expect(frame.fields[0]?.name, `${widget.id} (job ${job})`).to.equal('time');
          if (widget.id === 'up') expect(frame.fields[1]).to.deep.equal({ name: 'up', type: 'number', values: [1] });
          if (widget.id === 'heap' && job === 'rtdash') expect(frame.fields.slice(1).map((f) => f.name)).to.deep.equal([new URL(app!.server.url).host]);
          if (widget.id === 'scrape-duration') expect(frame.fields.slice(1).map((f) => f.name).sort()).to.deep.equal([`prometheus ${new URL(prom!.url).host}`, `rtdash ${new URL(app!.server.url).host}`]);
        }
      }
    } finally {
      await source.close?.();
    }
  });
});
