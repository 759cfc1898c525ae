/**
 * Mocha hooks for tests of several real `rtdash serve` instances on one Redis (cluster mode): a PostgreSQL
 * database of the suite's own whose rows count query runs (cluster-db.ts), and for each test a folder, a Redis key
 * prefix and instances of its own, all killed and removed after it, pass or fail. Redis is the shared one (keys
 * under the test's prefix, deleted after) unless the suite asks for a private one, which it may stop, restart or
 * pause. Skips in one line when PostgreSQL, Redis or redis-server is missing (fails under CI).
 * @example const cluster = useCluster('failover'); it('…', async () => { const [a, b] = await cluster.startMany(2); });
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { packageRoot } from '../../core/paths.js';
import { Instance, byId } from './cluster-instance.js';
import { HITS_SETUP, HitLedger } from './cluster-db.js';
import { writeDashboard, writeInstanceConfig } from './cluster-project.js';
import { onExit } from './private-process.js';
import { usePrivateRedis } from './private-redis.js';
import type { PrivateServer } from './private-server.js';
import { createDatabase, databaseUrl, dropDatabase } from './scratch-database.js';
import { runCli, serveCli, waitReady } from './served-cli.js';
import { deleteUnder } from './redis-scratch.js';
import { SERVICES, needService } from './services.js';
import { freePort } from './tcp-proxy.js';

/** `node --import` this to give an instance a skewed clock (env SKEW_MS). */
export const SKEWED_CLOCK = join(packageRoot, 'test', 'support', 'skewed-clock.mjs');

/** Which Redis the suite's instances share. */
export type ClusterRedis = 'shared' | 'private' | 'private-appendonly';

/** How one instance starts. */
export interface StartOptions {
  /** Its clock is this far off (ms; negative: behind). */
  skewMs?: number;
  /** Wait until /readyz answers 200 (default true). */
  wait?: boolean;
  /** Another way to the same Redis for this instance (a proxy that a test stalls or cuts). */
  redisUrl?: string;
}

/** What a test gets; valid inside a test only. */
export interface ClusterFixture {
  readonly dir: string;
  readonly prefix: string;
  /** The Redis the instances use. */
  readonly redisUrl: string;
  /** A client of that Redis for the test's own reads (it reconnects after a restart). */
  readonly admin: Redis;
  /** The private Redis (suites that asked for one). */
  readonly privateRedis: PrivateServer;
  readonly hits: HitLedger;
  /** Every instance started in this test, in order. */
  readonly instances: readonly Instance[];
  /** Starts one more instance (named inst-1, inst-2, … in PostgreSQL's rows). */
  start(options?: StartOptions): Promise<Instance>;
  /** Starts `n` instances at once, with `skews[i]` as instance i's clock skew when given. */
  startMany(n: number, skews?: number[]): Promise<Instance[]>;
  /** The instance holding each job as the first live instance's /api/cluster says (undefined: another process). */
  holders(): Promise<Map<string, Instance | undefined>>;
  /** The keys of the jobs' update logs (`<prefix>:job:{…}:log`) in Redis. */
  logKeys(): Promise<string[]>;
  /** `rtdash cluster status ARGS…` on the first instance's config, to its end. */
  status(args?: string[], env?: Record<string, string>): { status: number | null; output: string };
  /** The tail of every instance's output, for an assertion's message. */
  output(): string;
  /** `output()` and what /api/cluster says now, for an assertion's message when something did not converge. */
  explain(): Promise<string>;
}

/** Registers the hooks in the calling `describe`; call it first in its body. */
export function useCluster(name: string, redis: ClusterRedis = 'shared'): ClusterFixture {
  const database = `rtdash_cluster_${name.replace(/[^a-z0-9]/g, '_')}_${randomUUID().slice(0, 6)}`;
  const privateRedis = redis === 'shared' ? undefined : usePrivateRedis({ appendonly: redis === 'private-appendonly' });
  let hits: HitLedger | undefined;
  let admin: Redis | undefined;
  let dir: string | undefined;
  let prefix = '';
  let instances: Instance[] = [];
  const configs: string[] = [];
  const redisUrl = (): string => (privateRedis === undefined ? SERVICES.redis.url : privateRedis().url);
  const inTest = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`useCluster: ${what} exists only inside a test`);
    return value;
  };

  before(async function () {
    this.timeout(60_000);
    await needService(this, 'postgres');
    if (redis === 'shared') await needService(this, 'redis');
    await createDatabase(database, HITS_SETUP);
    hits = new HitLedger(database);
    admin = new Redis(redisUrl(), { maxRetriesPerRequest: 2, retryStrategy: () => 200, lazyConnect: true });
    admin.on('error', () => undefined);
  });
  after(async function () {
    this.timeout(60_000);
    admin?.disconnect();
    await hits?.close();
    await dropDatabase(database).catch(() => undefined);
  });
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), `rtdash-cluster-${name}-`));
    prefix = `rtdash-test-${randomUUID().slice(0, 8)}`;
    writeDashboard(dir);
    configs.length = 0;
  });
  afterEach(async function () {
    this.timeout(60_000);
    await Promise.all(instances.map((i) => i.kill()));
    instances = [];
    if (admin !== undefined && prefix !== '') await deleteUnder(admin, prefix).catch(() => undefined);
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const start = async (options: StartOptions = {}): Promise<Instance> => {
    const folder = inTest(dir, 'the folder');
    const port = await freePort();
    const instanceName = `inst-${instances.length + 1}`;
    const config = writeInstanceConfig({ dir: folder, name: instanceName, port, database: databaseUrl(database), redis: options.redisUrl ?? redisUrl(), prefix });
    configs.push(config);
    const skew = options.skewMs === undefined ? {} : { nodeArgs: ['--import', SKEWED_CLOCK], env: { SKEW_MS: String(options.skewMs) } };
    const instance = new Instance(instanceName, port, serveCli(config, folder, [], skew));
    // Not left running (nor stopped) if the test process dies before afterEach.
    void instance.child.exited.then(onExit(() => void instance.child.process.kill('SIGKILL')));
    instances.push(instance);
    if (options.wait !== false) await waitReady(instance.child, instance.url);
    return instance;
  };

  return {
    get dir() {
      return inTest(dir, 'the folder');
    },
    get prefix() {
      return prefix;
    },
    get redisUrl() {
      return redisUrl();
    },
    get admin() {
      return inTest(admin, 'the Redis client');
    },
    get privateRedis() {
      if (privateRedis === undefined) throw new Error('useCluster: this suite uses the shared Redis');
      return privateRedis();
    },
    get hits() {
      return inTest(hits, 'the hit ledger');
    },
    get instances() {
      return instances;
    },
    start,
    async startMany(n, skews = []) {
      // Started one after the other (ports and names), then waited for together.
      const started: Instance[] = [];
      for (let i = 0; i < n; i++) started.push(await start({ wait: false, ...(skews[i] !== undefined && { skewMs: skews[i] }) }));
      await Promise.all(started.map((i) => waitReady(i.child, i.url)));
      return started;
    },
    async holders() {
      const live = instances.filter((i) => i.alive && !i.stopped);
      const view = await inTest(live[0], 'a live instance').cluster();
      const holders = new Map<string, Instance | undefined>();
      for (const job of view.jobs) holders.set(job.key, await byId(live, job.holder));
      return holders;
    },
    async logKeys() {
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, found] = await inTest(admin, 'the Redis client').scan(cursor, 'MATCH', `${prefix}:job:*:log`, 'COUNT', 1000);
        cursor = next;
        keys.push(...found);
      } while (cursor !== '0');
      return keys;
    },
    status(args = [], env = {}) {
      return runCli(['cluster', 'status', '--config', inTest(configs[0], 'a config'), ...args], inTest(dir, 'the folder'), env);
    },
    output() {
      return instances.map((i) => `--- ${i.name} (${i.url}):\n${i.child.output().slice(-3000)}`).join('\n');
    },
    async explain() {
      const live = instances.filter((i) => i.alive && !i.stopped);
      const views = await Promise.all(live.map(async (i) => `${i.name}: ${JSON.stringify(await i.cluster().catch((err: Error) => err.message))}`));
      return `${this.output()}\n--- /api/cluster:\n${views.join('\n')}`;
    },
  };
}
