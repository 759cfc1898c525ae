/**
 * The rtdash server process of the benchmark: the real server, configured by hand, serving the
 * bench dashboard from the bench plugin, driven by the orchestrator over IPC.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { silentLogger } from '../core/logger.js';
import type { Limits, ServerConfig } from '../core/model.js';
import type { PluginDefinition } from '../core/plugin.js';
import { startServer } from '../core/server.js';
import type { Hub } from '../core/stream/hub.js';
import { benchPlugin } from './bench-plugin.js';
import { DEFAULT_LIMITS } from '../core/config/index.js';
import { dashboardYaml } from './scenario.js';
import { serveOverIpc } from './server-child.js';

/** Limits that let the whole load in: every viewer comes from 127.0.0.1. */
const BENCH_LIMITS: Limits = { ...DEFAULT_LIMITS, maxConnectionsPerIp: 10_000 };

const dir = mkdtempSync(join(tmpdir(), 'rtdash-bench-'));
writeFileSync(join(dir, 'bench.yaml'), dashboardYaml('bench'));
const config: ServerConfig = {
  server: { host: '127.0.0.1', port: 0, allowedOrigins: [], limits: BENCH_LIMITS },
  auth: { adminTokens: [] },
  datasources: [{ name: 'bench', type: 'bench', options: {} }],
  plugins: [],
  dashboards: { dir, watch: false },
  notifiers: {},
  cluster: {},
  storage: { type: 'embedded', dir: join(dir, 'data') },
  log: { level: 'silent' },
};

try {
  const server = await startServer(config, { plugins: [benchPlugin as PluginDefinition], logger: silentLogger(), port: 0 });
  if (server.store.get('bench') === undefined) throw new Error(`the bench dashboard did not load: ${JSON.stringify(server.store.problems)}`);
  const fanoutMs = timeFlushes(server.hub);
  serveOverIpc({
    port: server.port,
    connections: () => server.hub.connections,
    takeFanoutMs: () => fanoutMs.splice(0),
    async close() {
      try {
        await server.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  });
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
