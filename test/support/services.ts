/**
 * The real servers tests talk to, and the rule for when one is missing: outside CI the suite says so
 * in one line and skips; with CI set, a missing service fails the run.
 */
import { connect } from 'node:net';

/** Where the local services listen (override with the environment variables named). */
export const SERVICES = {
  postgres: { host: process.env.PGHOST ?? '127.0.0.1', port: Number(process.env.PGPORT ?? 5432), url: process.env.RTDASH_TEST_POSTGRES ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
  mysql: { host: '127.0.0.1', port: Number(process.env.MYSQL_PORT ?? 3306), url: process.env.RTDASH_TEST_MYSQL ?? 'mysql://root@127.0.0.1:3306/test' },
  redis: { host: '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379), url: process.env.RTDASH_TEST_REDIS ?? 'redis://127.0.0.1:6379/0' },
  chromium: { path: '/usr/bin/chromium' },
} as const;

/** A service tests may need. */
export type ServiceName = 'postgres' | 'mysql' | 'redis';

const reachable = new Map<ServiceName, Promise<boolean>>();

/** Whether the service accepts TCP connections (checked once per process). */
export function serviceUp(name: ServiceName): Promise<boolean> {
  let known = reachable.get(name);
  if (known === undefined) {
    const { host, port } = SERVICES[name];
    known = new Promise<boolean>((resolve) => {
      const socket = connect({ host, port });
      const done = (up: boolean) => {
        socket.destroy();
        resolve(up);
      };
      socket.setTimeout(1000, () => done(false));
      socket.once('connect', () => done(true));
      socket.once('error', () => done(false));
    });
    reachable.set(name, known);
  }
  return known;
}

/**
 * Use in a mocha `before`: skips the suite with a one-line note when the service is down, or fails
 * it when `CI` is set.
 * @example before(async function () { await needService(this, 'postgres'); });
 */
export async function needService(ctx: Mocha.Context, name: ServiceName): Promise<void> {
  if (await serviceUp(name)) return;
  const { host, port } = SERVICES[name];
  if (process.env.CI) throw new Error(`${name} is not reachable at ${host}:${port}, and CI is set: start it (see .ci/run)`);
  console.log(`      (skipped: ${name} is not reachable at ${host}:${port})`);
  ctx.skip();
}
