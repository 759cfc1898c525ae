/**
 * The rtdash server process of the benchmark: the real server, configured by hand, serving the
 * bench dashboards (scenario.ts) from the bench plugin, driven by the orchestrator over IPC.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { silentLogger } from '../core/logger.js';
import type { PluginDefinition } from '../core/plugin.js';
import { startServer } from '../core/server.js';
import type { Hub } from '../core/stream/hub.js';
import { benchPlugin } from './bench-plugin.js';
import { dashboardIds, dashboardYaml, scenarioFromEnv } from './scenario.js';
import { serveOverIpc } from './server-child.js';
import { asBenchServer, benchConfig } from './bench-server.js';

const scenario = scenarioFromEnv();
const [first, ...others] = dashboardIds(scenario.dashboards);
// The snapshot budget (1,000 a second, bursts of 2,000) would turn away part of 10,000 viewers connecting at
// once with 1013; the other servers have none, and the bench measures the steady fan-out, not admission.
const limits = { maxSnapshotsPerSecond: 20_000 };
const { dir, config } = benchConfig('rtdash-bench-', `${first}.yaml`, dashboardYaml('bench', first, scenario.widgets), [{ name: 'bench', type: 'bench', options: {} }], limits);
for (const id of others) writeFileSync(join(dir, `${id}.yaml`), dashboardYaml('bench', id, scenario.widgets));

try {
  const server = await startServer(config, { plugins: [benchPlugin as PluginDefinition], logger: silentLogger(), port: 0 });
  const missing = dashboardIds(scenario.dashboards).filter((id) => server.store.get(id) === undefined);
  if (missing.length > 0) throw new Error(`dashboards ${missing.join(', ')} did not load: ${JSON.stringify(server.store.problems)}`);
  const fanoutMs = timeFlushes(server.hub);
  serveOverIpc(asBenchServer(server, dir, fanoutMs));
} catch (err) {
  rmSync(dir, { recursive: true, force: true });
  process.send?.({ type: 'failed', error: `rtdash did not start: ${err instanceof Error ? err.message : String(err)}` });
  process.exitCode = 1;
  process.disconnect?.();
}

/**
 * Times each hub flush (one coalesced frame to every viewer) by wrapping the instance's `flush`,
 * which the hub's coalescing timer calls; a flush that does not send costs a few microseconds.
 */
function timeFlushes(hub: Hub): number[] {
  const durations: number[] = [];
  const flush = hub.flush.bind(hub);
  hub.flush = () => {
    const started = performance.now();
    flush();
    durations.push(performance.now() - started);
  };
  return durations;
}
