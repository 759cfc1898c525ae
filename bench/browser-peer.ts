/**
 * The server process of the browser suite: the real rtdash server, configured by hand, serving the browser
 * dashboard from the built-in demo source (and the web bundle at /rt-dashboard.js), driven over IPC like the other
 * bench servers. One process per measured page, so each page starts from the same fresh server.
 */
import { rmSync } from 'node:fs';
import { silentLogger } from '../core/logger.js';
import { startServer } from '../core/server.js';
import { builtinPlugins } from '../plugins/builtin.js';
import { asBenchServer, benchConfig } from './bench-server.js';
import { BROWSER_DASHBOARD_ID, PAGE_ORIGIN_ENV, browserDashboardYaml } from './browser-scenario.js';
import { serveOverIpc } from './server-child.js';

const { dir, config } = benchConfig('rtdash-bench-browser-', 'browser.yaml', browserDashboardYaml(), [{ name: 'demo', type: 'demo', options: {} }]);
// The pages come from the suite's own page server, another origin: the documented way a site embeds a dashboard.
config.server.allowedOrigins = (process.env[PAGE_ORIGIN_ENV] ?? '').split(',').filter((o) => o !== '');

try {
  const server = await startServer(config, { plugins: builtinPlugins, logger: silentLogger(), port: 0 });
  if (server.store.get(BROWSER_DASHBOARD_ID) === undefined) throw new Error(`the browser dashboard did not load: ${JSON.stringify(server.store.problems)}`);
  serveOverIpc(asBenchServer(server, dir, []));
} catch (err) {
  rmSync(dir, { recursive: true, force: true });
  process.send?.({ type: 'failed', error: `rtdash did not start: ${err instanceof Error ? err.message : String(err)}` });
  process.exitCode = 1;
  process.disconnect?.();
}
