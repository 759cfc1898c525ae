/**
 * The rtdash server process of the ranges suite: the real server, configured by hand, serving the ranges
 * dashboard from a `postgres` source on the bench database (RANGES_DB_URL), driven by the orchestrator over
 * IPC like the other bench servers (CPU samples come from process.cpuUsage inside this process).
 */
import { rmSync } from 'node:fs';
import { silentLogger } from '../core/logger.js';
import { startServer } from '../core/server.js';
import { builtinPlugins } from '../plugins/builtin.js';
import { asBenchServer, benchConfig } from './bench-server.js';
import { SERVER_APPLICATION_NAME, RANGES_DASHBOARD_ID, RANGES_SOURCE, rangesDashboardYaml } from './ranges-scenario.js';
import { serveOverIpc } from './server-child.js';

const url = process.env.RANGES_DB_URL;
const { dir, config } = benchConfig(
  'rtdash-bench-ranges-',
  'ranges.yaml',
  rangesDashboardYaml(),
  [{ name: RANGES_SOURCE, type: 'postgres', timeoutMs: 120_000, options: { url, application_name: SERVER_APPLICATION_NAME } }],
  // 1,000 viewers and hundreds of widget API requests come from one address in a few seconds.
  { maxSubscribesPerSecond: 1_000_000 },
);

try {
  if (url === undefined) throw new Error('RANGES_DB_URL is not set');
  const server = await startServer(config, { plugins: builtinPlugins, logger: silentLogger(), port: 0 });
  if (server.store.get(RANGES_DASHBOARD_ID) === undefined) throw new Error(`the ranges dashboard did not load: ${JSON.stringify(server.store.problems)}`);
  serveOverIpc(asBenchServer(server, dir, []));
} catch (err) {
  rmSync(dir, { recursive: true, force: true });
  process.send?.({ type: 'failed', error: `rtdash did not start: ${err instanceof Error ? err.message : String(err)}` });
  process.exitCode = 1;
  process.disconnect?.();
}
