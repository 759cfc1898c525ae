/**
 * A redis-server of a test's own, on a free loopback port, without persistence and with its working folder in a
 * temporary folder: a test that restarts or kills Redis does it to this one, never to the machine's shared Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { until } from './served-cli.js';
import { freePort } from './tcp-proxy.js';

/** A private Redis: its URL, and a restart that loses everything it held (it keeps nothing on disk). */
export interface PrivateRedis {
  url: string;
  /** Kills the server (SIGKILL) and starts it again on the same port, empty. */
  restart(): Promise<void>;
  /** Kills the server and removes its folder. */
  remove(): Promise<void>;
}

/** Starts a private redis-server; call `remove()` after the test. */
export async function privateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'rtdash-redis-'));
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
    const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    try {
      await until(`redis-server on port ${port} to answer`, async () => {
        if (child?.exitCode !== null) throw new Error(`redis-server on port ${port} exited with ${String(child?.exitCode)}`);
        try {
          if (probe.status !== 'ready') await probe.connect();
          return (await probe.ping()) === 'PONG';
        } catch {
          probe.disconnect();
          return false;
        }
      });
    } finally {
      probe.disconnect();
    }
  };
  const stop = async (): Promise<void> => {
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    url,
    async restart() {
      await stop();
      await start();
    },
    async remove() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
