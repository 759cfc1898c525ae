/**
 * A Redis server of a test's own, on a free loopback port, without persistence and with its working folder in a
 * temp folder: for tests that stop, kill, restart or reconfigure Redis, which must never do that to the machine's
 * shared one. Removed after the suite, or at process exit if the suite never got there.
 */
import { connect } from 'node:net';
import { findBinary, scratchDir } from './private-process.js';
import { foregroundControl, privateServer, usePrivate, type PrivateServer, type Removable } from './private-server.js';
import { freePort } from './tcp-proxy.js';

/** What this machine lacks to run a private Redis, or undefined when it has everything. */
export function missingForRedis(): string | undefined {
  return findBinary('redis-server') === undefined ? 'redis-server' : undefined;
}

/** Whether a Redis server answers PING on the port. */
export function redisAnswers(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (up: boolean): void => {
      socket.destroy();
      resolve(up);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (reply) => done(reply.toString().startsWith('+PONG')));
    socket.once('error', () => done(false));
  });
}

/**
 * Starts a private Redis (`url` is `redis://127.0.0.1:PORT/0`); `remove` (or process exit) ends it and removes
 * its folder. Its stop is a SIGTERM, which saves nothing: a restart loses every key, like the shared test server's.
 * With `appendonly`, every write goes to an append-only file in its folder, so a restart (or a kill) keeps the keys.
 */
export async function startPrivateRedis(options: { appendonly?: boolean } = {}): Promise<Removable<PrivateServer>> {
  const missing = missingForRedis();
  if (missing !== undefined) throw new Error(`${missing} is not installed`);
  const dir = scratchDir('redis');
  const port = await freePort();
  const aof = options.appendonly === true ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...aof, '--dir', dir.path, '--logfile', ''];
  const control = foregroundControl(findBinary('redis-server')!, args, `the private Redis on port ${port}`, () => redisAnswers(port), 10_000);
  return privateServer({ port, url: `redis://127.0.0.1:${port}/0`, dir, control });
}

/**
 * A private Redis for the calling `describe`, started before its tests and removed after them.
 * @example const redis = usePrivateRedis(); it('…', async () => { await redis().restart(); });
 */
export function usePrivateRedis(options: { appendonly?: boolean } = {}): () => PrivateServer {
  return usePrivate(missingForRedis, () => startPrivateRedis(options), 30_000);
}
