/**
 * Fault matrix: `cluster.redis` is unreachable when the real `rtdash serve` starts. It starts anyway: viewers
 * are served at once, and the alert engine waits for the lease. A private redis-server started on that port
 * later (never the machine's shared one) is found by itself: the instance takes the lease and writes the alert
 * state there, and a graceful stop gives the lease back.
 */
import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '../support/tcp-proxy.js';
import { killCli, serveCli, stopCli, until, waitReady, type ServedCli } from '../support/served-cli.js';
import { sleep } from '../support/test-server.js';
import { connect } from '../support/ws-client.js';

/** A throw-away redis-server on `port`, without persistence, in its own folder. */
function privateRedis(port: number, dir: string): ChildProcess {
  return spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
}

describe('fault: cluster.redis is unreachable at boot', function () {
  this.timeout(60_000);
  let dir: string;
  let cli: ServedCli | undefined;
  let redisServer: ChildProcess | undefined;
  let redis: Redis | undefined;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'rtdash-redis-boot-'));
    mkdirSync(join(dir, 'dashboards'));
    mkdirSync(join(dir, 'redis'));
    writeFileSync(
      join(dir, 'dashboards', 'shop.yaml'),
      'id: shop\ntitle: Shop\nwidgets:\n  - { id: users, title: Users, type: stat, source: demo, query: active_users, every: 100ms }\nalerts:\n  - { name: crowd, widget: users, when: "last() > 0" }\n',
    );
  });
  after(async () => {
    redis?.disconnect();
    await killCli(cli);
    if (redisServer !== undefined && redisServer.exitCode === null) {
      redisServer.kill('SIGKILL');
      await once(redisServer, 'exit');
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves viewers at once and takes the lease when Redis comes up', async () => {
    const [port, redisPort] = [await freePort(), await freePort()];
    writeFileSync(
      join(dir, 'config.yaml'),
      `server: { host: 127.0.0.1, port: ${port} }
datasources:
  demo: { type: demo }
dashboards: { dir: dashboards, watch: false }
cluster: { redis: "redis://127.0.0.1:${redisPort}", prefix: boot, lease_ttl: 2s }
storage: { type: redis, dir: data }
log: { level: info }
`,
    );
    cli = serveCli('config.yaml', dir);
    await waitReady(cli, `http://127.0.0.1:${port}`, 20_000);
    expect(cli.output()).to.match(/cluster\.redis is unreachable; alerts wait for the lease/);

    const viewer = await connect(`ws://127.0.0.1:${port}/ws`);
    viewer.send({ type: 'subscribe', dashboard: 'shop' });
    await viewer.nextOf('snapshot');
    await viewer.nextOf('update');

    const leaseSays = (msg: string) => cli!.logs().filter((l) => l.msg === msg);
    await until('the lease to find Redis unreachable', () => leaseSays('could not reach Redis for the lease; trying again').length > 0);
    await sleep(1500); // a few more attempts, a second apart
    redisServer = privateRedis(redisPort, join(dir, 'redis'));
    await until('the instance to lead the alert engine', () => cli!.logs().some((l) => l.msg?.includes('now leads the alert engine') === true), 20_000);
    // Tried every second meanwhile, but said once (then every half minute), and said when it answered again.
    expect(leaseSays('could not reach Redis for the lease; trying again')).to.have.length(1);
    expect(leaseSays('Redis answers the lease again')).to.have.length(1);
    redis = new Redis(redisPort, '127.0.0.1');
    await until('the alert state to be written to Redis', async () => (await redis!.exists('boot:alerts')) === 1, 10_000);
    expect(await redis.get('boot:alerts:leader')).to.be.a('string');

    // The viewer was served throughout, and still is.
    const before = viewer.messages.length;
    await until('another update', () => viewer.messages.slice(before).some((m) => m.type === 'update'));
    expect(viewer.closeCode).to.equal(undefined);
    await viewer.close();
    await stopCli(cli);
    expect(cli.process.exitCode).to.equal(0);
    expect(await redis.get('boot:alerts:leader')).to.equal(null); // given back on the way out
  });
});
