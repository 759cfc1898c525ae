/** `rtdash cluster status`: the instances of a cluster and which one runs each job, read straight from Redis. */
import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { ConfigError, DEFAULT_CLUSTER, loadServerConfig } from '../../core/config/index.js';
import { messageOf } from '../../core/errors.js';
import { redactedUrl } from '../../core/redis-link.js';
import { formatClusterStatus, readClusterStatus } from '../../core/cluster/status.js';
import { USAGE_EXIT, parseCommand } from './args.js';

const USAGE = `Usage: rtdash cluster status [--config FILE] [--redis URL] [--prefix PREFIX] [--json]

Prints the instances of the cluster (cluster.redis and cluster.prefix of the config) with the jobs each one
holds, then every job running with its holder, its lease epoch and its latest seq. It reads Redis, so it works
whether or not any instance is up. --redis (or $RTDASH_CLUSTER_REDIS) and --prefix override the config's.
The config is FILE, else $RTDASH_CONFIG, else ./config.yaml if it exists.`;

/** How long the command waits for Redis before it says it cannot reach it. */
const CONNECT_TIMEOUT_MS = 3000;

/** Runs `rtdash cluster …`. */
export async function clusterCommand(args: string[]): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === undefined || sub === '--help' || sub === '-h') {
    console.log(USAGE);
    return sub === undefined ? 1 : 0;
  }
  if (sub !== 'status') {
    console.error(`rtdash cluster: unknown subcommand "${sub}"; the one there is is "status"\n\n${USAGE}`);
    return USAGE_EXIT;
  }
  const parsed = parseCommand(rest, { config: { type: 'string', short: 'c' }, redis: { type: 'string' }, prefix: { type: 'string' }, json: { type: 'boolean' } }, USAGE);
  if (!parsed) return 0;
  let url = (parsed.values.redis as string | undefined) ?? process.env.RTDASH_CLUSTER_REDIS;
  let prefix = parsed.values.prefix as string | undefined;
  if (url === undefined || prefix === undefined) {
    const file = (parsed.values.config as string | undefined) ?? process.env.RTDASH_CONFIG ?? (existsSync('config.yaml') ? 'config.yaml' : undefined);
    try {
      const config = file === undefined ? undefined : await loadServerConfig(file);
      url ??= config?.cluster.redis;
      prefix ??= config?.cluster.prefix;
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      console.error(err.message);
      return 1;
    }
  }
  if (url === undefined) {
    console.error('rtdash cluster status: no cluster to read: the config has no cluster.redis (pass --config FILE, or --redis URL)');
    return 1;
  }
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: CONNECT_TIMEOUT_MS, retryStrategy: () => null });
  let refused: unknown;
  redis.on('error', (err) => (refused ??= err)); // the socket's own error says more than that the connection closed
  try {
    await redis.connect();
    const status = await readClusterStatus(redis, prefix ?? DEFAULT_CLUSTER.prefix);
    console.log(parsed.values.json ? JSON.stringify(status, null, 2) : formatClusterStatus(status));
    return 0;
  } catch (err) {
    console.error(`rtdash cluster status: cannot reach Redis at ${redactedUrl(url)}: ${messageOf(refused ?? err)}`);
    return 1;
  } finally {
    redis.disconnect();
  }
}

