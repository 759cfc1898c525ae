/**
 * /metrics as a Prometheus user takes it: `promtool check metrics` finds nothing to say, the standard process_*
 * and nodejs_* families have their standard names, and rtdash's own families are there. The scrape config and
 * alert rules in examples/prometheus/ pass `promtool check config`, `check rules` and their unit tests.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../core/paths.js';
import { VERSION } from '../core/version.js';
import { findBinary, needBinaries } from './support/private-process.js';
import { sleep, startTestServer, testDashboard, type TestServer } from './support/test-server.js';

const promtool = () => findBinary('promtool', '/usr/bin/promtool');
const EXAMPLES = join(packageRoot, 'examples', 'prometheus');

function runPromtool(args: string[], input?: string): { status: number | null; output: string } {
  const r = spawnSync(promtool()!, args, { cwd: EXAMPLES, input, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('/metrics and promtool', function () {
  this.timeout(30_000);
  let t: TestServer;

  before(async function () {
    needBinaries(this, promtool() === undefined ? 'promtool (apt-get install prometheus)' : undefined);
    t = await startTestServer({ 'm.yaml': testDashboard('m', { a: { type: 'stat', query: { value: 1 } } }) });
  });
  after(async () => {
    await t?.stop();
  });

  it('passes promtool check metrics, with the standard names and rtdash families', async () => {
    await fetch(`${t.server.url}/api/dashboards/m/widgets/a`);
    let text = '';
    for (let tries = 0; !text.includes('rtdash_datasource_up{source="test"} 1') && tries < 50; tries++) {
      text = await (await fetch(`${t.server.url}/metrics`)).text();
      await sleep(100);
    }
    const checked = runPromtool(['check', 'metrics'], text);
    expect(checked.output.trim(), 'promtool check metrics').to.equal('');
    expect(checked.status).to.equal(0);
    for (const family of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_p99_seconds', 'nodejs_active_handles']) {
      expect(text, family).to.match(new RegExp(`^# TYPE ${family} `, 'm'));
    }
    expect(text).not.to.match(/^rtdash_(process|nodejs)_/m);
    expect(text).to.include(`rtdash_build_info{version="${VERSION}",nodejs="${process.versions.node}"} 1`);
    expect(text).to.include('rtdash_alerts{state="firing"} 0');
    // Counters alert rules take increase() of are there at 0 before their first event.
    expect(text).to.include('rtdash_slow_clients_total{action="closed"} 0');
  });

  it('ships a scrape config and alert rules that promtool accepts, and whose rules fire when they should', () => {
    for (const args of [['check', 'config', 'prometheus.yml'], ['check', 'rules', 'rtdash.rules.yml'], ['test', 'rules', 'rtdash.rules.test.yml']]) {
      const r = runPromtool(args);
      expect(r.status, `promtool ${args.join(' ')}:\n${r.output}`).to.equal(0);
    }
  });
});
