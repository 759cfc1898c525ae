/** Starts a real server on an ephemeral port with dashboards written to a temporary folder. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Limits, ServerConfig } from '../../core/model.js';
import type { Logger } from '../../core/plugin.js';
import { silentLogger } from '../../core/logger.js';
import { DEFAULT_LIMITS } from '../../core/config/index.js';
import { startServer, type RtdashServer } from '../../core/server.js';
import { builtinPlugins } from '../../plugins/builtin.js';
import { testPlugin } from './test-plugin.js';

/**
 * The limits tests run with unless they say otherwise: every test client comes from one address and
 * subscribes as fast as it can, so the per-IP and rate limits are out of the way except where a test sets them.
 */
export const TEST_LIMITS: Limits = { ...DEFAULT_LIMITS, maxConnectionsPerIp: 10_000, maxSubscribesPerSecond: 1_000_000, maxSnapshotsPerSecond: 1_000_000, maxMessagesPerSecond: 1_000_000 };

/** A server and the folder its dashboards live in. */
export interface TestServer {
  server: RtdashServer;
  dir: string;
  wsUrl: string;
  /** Writes (or overwrites) a dashboard file. */
  write(name: string, yaml: string): void;
  stop(): Promise<void>;
}

/** Config a test may set besides limits: what embedding needs. */
export interface TestConfig {
  /** `server.origins`. */
  origins?: string[];
  /** `auth.embed_secret`. */
  embedSecret?: string;
  /** `server.public_url`. */
  publicUrl?: string;
  /** Where the server logs (nowhere by default). */
  logger?: Logger;
  /** `notifiers` of config.yaml. */
  notifiers?: ServerConfig['notifiers'];
  /** The data folder (alert state, outbox); a fresh one inside the dashboards folder by default. A restart test passes the same one twice. */
  storageDir?: string;
  /** The port to listen on (an ephemeral one by default): a restart test starts its second server on the first one's. */
  port?: number;
  /** `alerts.dir`: the folder of standalone alert files (none by default). */
  alertsDir?: string;
  /** `server.hostnames`. */
  hostnames?: string[];
  /** `server.trusted_proxies`. */
  trustedProxies?: string[];
  /** Data sources besides the demo, system and test ones. */
  datasources?: ServerConfig['datasources'];
  /** `auth.admin_tokens` (none by default). */
  adminTokens?: string[];
  /** `cluster` (none by default). */
  cluster?: ServerConfig['cluster'];
  /** `storage.type`: `embedded` by default, even with `cluster.redis`. */
  storageType?: ServerConfig['storage']['type'];
  /** `cache` (the defaults by default). */
  cache?: ServerConfig['cache'];
  /** More of `auth` (sign-in: session_secret, users_file, proxy, roles). */
  auth?: Partial<ServerConfig['auth']>;
}

/** Starts a server with the demo, system and test sources and the given dashboard files. */
export async function startTestServer(files: Record<string, string>, limits: Partial<Limits> = {}, watch = false, overrides: TestConfig = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'rtdash-test-'));
  const write = (name: string, yaml: string) => writeFileSync(join(dir, name), yaml);
  for (const [name, yaml] of Object.entries(files)) write(name, yaml);
  const config: ServerConfig = {
    server: {
      host: '127.0.0.1',
      port: 0,
      ...(overrides.publicUrl === undefined ? {} : { publicUrl: overrides.publicUrl }),
      allowedOrigins: overrides.origins ?? [],
      limits: { ...TEST_LIMITS, ...limits },
      ...(overrides.hostnames === undefined ? {} : { hostnames: overrides.hostnames }),
      ...(overrides.trustedProxies === undefined ? {} : { trustedProxies: overrides.trustedProxies }),
    },
    auth: { adminTokens: overrides.adminTokens ?? [], ...(overrides.embedSecret === undefined ? {} : { embedSecret: overrides.embedSecret }), ...overrides.auth },
    datasources: [
      { name: 'demo', type: 'demo', options: {} },
      { name: 'system', type: 'system', options: {} },
      { name: 'test', type: 'test', options: {} },
      { name: 'fast', type: 'test', options: {}, timeoutMs: 300 },
      { name: 'capped', type: 'test', options: {}, maxRows: 10 },
      ...(overrides.datasources ?? []),
    ],
    plugins: [],
    dashboards: { dir, watch },
    notifiers: overrides.notifiers ?? {},
    ...(overrides.alertsDir === undefined ? {} : { alerts: { dir: overrides.alertsDir } }),
    cluster: overrides.cluster ?? {},
    ...(overrides.cache === undefined ? {} : { cache: overrides.cache }),
    storage: { type: overrides.storageType ?? 'embedded', dir: overrides.storageDir ?? join(dir, 'data') },
    log: { level: 'silent' },
  };
  const server = await startServer(config, { plugins: [...builtinPlugins, testPlugin], logger: overrides.logger ?? silentLogger(), port: overrides.port ?? 0 });
  return {
    server,
    dir,
    wsUrl: server.url.replace('http', 'ws') + '/ws',
    write,
    async stop() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A dashboard with one test widget per query, each `every` apart. */
export function testDashboard(id: string, widgets: Record<string, object>, every = '100ms', extra = ''): string {
  const lines = [`id: ${id}`, `title: Test ${id}`, extra, 'widgets:'];
  for (const [wid, query] of Object.entries(widgets)) {
    lines.push(`  - id: ${wid}`, `    title: ${wid}`, `    type: line`, `    source: test`, `    query: ${JSON.stringify(query)}`, `    every: ${every}`, `    keep: 1000`);
  }
  return lines.join('\n') + '\n';
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true or the time is up. */
export async function until(check: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** A dashboard with a `region` select variable (eu, us) whose one widget's job depends on it. */
export const VARS_DASHBOARD = `id: vars
title: Vars
variables:
  region: { type: select, options: [eu, us], default: eu }
widgets:
  - { id: w, title: W, type: line, source: test, query: { behave: counter, tag: ":region" }, every: 100ms }
`;
