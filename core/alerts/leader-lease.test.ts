import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import { SERVICES, needService } from '../../test/support/services.js';
import { RedisLease } from './leader-lease.js';
import { recordingLogger } from './notifiers/testing.js';
import { RedisMedium } from './redis-medium.js';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('the alert lease in Redis (needs Redis)', function () {
  this.timeout(30_000);
  let admin: Redis;
  let key: string;
  const clients: Redis[] = [];
  const leases: RedisLease[] = [];
  const lease = (ttlMs: number, owner?: string): RedisLease => {
    const redis = new Redis(SERVICES.redis.url, { maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined);
    clients.push(redis);
    const l = new RedisLease(redis, { key, ttlMs, logger: recordingLogger(), ...(owner !== undefined && { owner }) });
    leases.push(l);
    return l;
  };

  before(async function () {
    await needService(this, 'redis');
    admin = new Redis(SERVICES.redis.url);
  });
  beforeEach(() => {
    key = `rtdash-test:${randomUUID()}:alerts:leader`;
  });
  afterEach(async () => {
    for (const l of leases.splice(0)) await l.release();
    for (const c of clients.splice(0)) c.disconnect();
    await admin?.del(key);
  });
  after(() => admin?.disconnect());

  it('is held by one instance at a time, renewed past its ttl, and released on request', async () => {
    const a = lease(600, 'a');
    const b = lease(600, 'b');
    const acquired = once(a, 'acquired');
    a.start();
    await acquired;
    b.start();
    let bTook = false;
    b.on('acquired', () => (bTook = true));
    await sleep(1500); // well past the ttl: only renewals keep it
    expect(a.held).to.equal(true);
    expect(bTook).to.equal(false);
    expect(await admin.get(key)).to.equal('a');
    const taken = once(b, 'acquired');
    await a.release();
    expect(a.held).to.equal(false);
    await taken;
    expect(b.held).to.equal(true);
    expect(await admin.get(key)).to.equal('b');
  });

  it('goes to another instance once the holder stops renewing and its lease runs out', async () => {
    const a = lease(800, 'a');
    const b = lease(800, 'b');
    const acquired = once(a, 'acquired');
    a.start();
    await acquired;
    b.start();
    // The holder dies: its connection goes, nothing renews.
    const lost = once(a, 'lost');
    const diedAt = Date.now();
    clients[0]!.disconnect();
    await once(b, 'acquired');
    const tookMs = Date.now() - diedAt;
    expect(tookMs, 'taken over within the ttl (and a little)').to.be.lessThan(800 + 400);
    await lost; // the dead holder stops believing it holds it before the other takes it
    expect(a.held).to.equal(false);
  });

  it('counts as lost, and says so, when another instance holds the key at renewal', async () => {
    const a = lease(600, 'a');
    const acquired = once(a, 'acquired');
    a.start();
    await acquired;
    await admin.set(key, 'intruder', 'PX', 5000);
    const [reason] = (await once(a, 'lost')) as [string];
    expect(reason).to.equal('another instance holds it');
    expect(a.held).to.equal(false);
    expect(await admin.get(key), 'a release does not delete what is not its own').to.equal('intruder');
  });

  it('fences writes of the alert state: only the holder of the lease writes the document', async () => {
    const doc = `${key}:doc`;
    const a = lease(5000, 'a');
    const acquired = once(a, 'acquired');
    a.start();
    await acquired;
    const holder = new RedisMedium(SERVICES.redis.url, doc, { key, owner: 'a' });
    const other = new RedisMedium(SERVICES.redis.url, doc, { key, owner: 'b' });
    try {
      await holder.prepare();
      await other.prepare();
      expect(await holder.write('{"from":"a"}')).to.equal(true);
      expect(await other.write('{"from":"b"}')).to.equal(false);
      expect(await admin.get(doc)).to.equal('{"from":"a"}');
      await a.release();
      expect(await holder.write('{"from":"a, late"}'), 'not after the lease is gone').to.equal(false);
      expect(await admin.get(doc)).to.equal('{"from":"a"}');
    } finally {
      holder.close();
      other.close();
      await admin.del(doc);
    }
  });
});
