/**
 * `rtdash serve` with alerting on Redis, on a port another process holds: it must exit, with an error, rather
 * than stay alive on the Redis connections alerting opened before the listen failed, holding the alert lease.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { SERVICES, needService } from './support/services.js';
import { killCli, levelSource, serveCli, writeAlertProject, type LevelSource, type ServedCli } from './support/served-cli.js';
import { sleep } from './support/test-server.js';

describe('rtdash serve on a port in use, with alerting on Redis', function () {
  this.timeout(60_000);
  let dir: string;
  let prefix: string;
  let taken: Server;
  let source: LevelSource;
  let child: ServedCli | undefined;

  beforeEach(async function () {
    await needService(this, 'redis');
    dir = mkdtempSync(join(tmpdir(), 'rtdash-port-taken-'));
    prefix = `rtdash-test-${randomUUID().slice(0, 8)}`;
    taken = createServer().listen(0, '127.0.0.1');
    await once(taken, 'listening');
    source = await levelSource(1);
  });

  afterEach(async () => {
    await killCli(child);
    child = undefined;
    await new Promise((resolve) => taken.close(resolve));
    await source.close();
    const admin = new Redis(SERVICES.redis.url);
    const keys = await admin.keys(`${prefix}:*`);
    if (keys.length > 0) await admin.del(...keys);
    admin.disconnect();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exits non-zero within a few seconds instead of staying alive on its Redis connections', async () => {
    const config = writeAlertProject({
      dir,
      port: (taken.address() as AddressInfo).port,
      sourcePort: source.port,
      hook: 'http://127.0.0.1:9/hook',
      data: join(dir, 'data'),
      rules: ['level-high'],
      extra: `cluster:\n  redis: ${SERVICES.redis.url}\n  prefix: ${prefix}\n  lease_ttl: 2s\n`,
    });
    child = serveCli(config, dir);
    const exited = await Promise.race([child.exited.then(() => true), sleep(8000).then(() => false)]);
    expect(exited, `still running 8 s after the listen failed:\n${child.output()}`).to.equal(true);
    expect(child.process.exitCode, child.output()).to.not.equal(0);
    // Said in words, with what to do about it, not as a bare `listen EADDRINUSE`.
    expect(child.output()).to.match(/rtdash serve: 127\.0\.0\.1:\d+ is already in use \(another rtdash, or another server\); stop it, or serve on another port with --port N or PORT=N/);
  });
});
