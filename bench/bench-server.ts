/** What both rtdash bench processes share: a config built by hand in a temporary folder, and the IPC adapter. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LIMITS } from '../core/config/index.js';
import type { Limits, ServerConfig, SourceConfig } from '../core/model.js';
import type { RtdashServer } from '../core/server.js';
import type { BenchServer } from './server-child.js';

/** A temporary dashboards folder holding one file, and a config that serves it with `sources`. */
export function benchConfig(prefix: string, file: string, yaml: string, sources: SourceConfig[], limits: Partial<Limits> = {}): { dir: string; config: ServerConfig } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  writeFileSync(join(dir, file), yaml);
  // Every viewer comes from 127.0.0.1, so the per-address cap must let the whole load in.
  const config: ServerConfig = {
    server: { host: '127.0.0.1', port: 0, allowedOrigins: [], limits: { ...DEFAULT_LIMITS, maxConnectionsPerIp: 20_000, ...limits } },
    auth: { adminTokens: [] },
    datasources: sources,
    plugins: [],
    dashboards: { dir, watch: false },
    notifiers: {},
    cluster: {},
    storage: { type: 'embedded', dir: join(dir, 'data') },
    log: { level: 'silent' },
  };
  return { dir, config };
}

/** The harness's view of a running rtdash: closing it also removes its temporary folder. */
export function asBenchServer(server: RtdashServer, dir: string, fanoutMs: number[]): BenchServer {
  return {
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
  };
}
