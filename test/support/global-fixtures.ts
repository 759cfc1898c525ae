/**
 * Mocha's global fixtures (loaded with `require` in .mocharc.json), run once per test run in the main process,
 * whether the files run one at a time or in parallel: the suite leaves this machine's own PostgreSQL, MariaDB and
 * Redis alone (never restarted, flushed or reconfigured; a developer's data lives there). Their fingerprints are
 * read before the first file and compared after the last, and the run fails naming what changed.
 * test/shared-servers-untouched.test.ts shows the check noticing each kind of change, on private servers.
 */
import { differences, fingerprint, plantSentinels, removeSentinels, type Fingerprint, type Watched } from './server-fingerprint.js';
import { SERVICES } from './services.js';

const SHARED: Watched = { redis: SERVICES.redis.url, postgres: SERVICES.postgres.url, mariadb: SERVICES.mysql.url };
let atStart: Fingerprint | undefined;

export async function mochaGlobalSetup(): Promise<void> {
  await plantSentinels(SHARED.redis!).catch(() => undefined); // no Redis: nothing to watch there
  atStart = await fingerprint(SHARED);
}

export async function mochaGlobalTeardown(): Promise<void> {
  if (atStart === undefined) return;
  const changed = differences(atStart, await fingerprint(SHARED));
  await removeSentinels(SHARED.redis!).catch(() => undefined);
  if (changed.length > 0) {
    throw new Error(`the test run changed this machine's shared servers: ${changed.join('; ')}. Tests that restart, flush or reconfigure a server must use a private one (test/support/private-*.ts)`);
  }
}
