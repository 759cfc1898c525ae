import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { SERVICES, needService } from '../../test/support/services.js';
import { TcpProxy } from '../../test/support/tcp-proxy.js';
import { notificationGroup, type NotificationGroup } from './notification.js';
import { createNotifiers } from './notifiers/index.js';
import { httpReceiver, recordingLogger, sampleNotification, type HttpReceiver } from './notifiers/testing.js';
import { Outbox, type OutboxOptions } from './outbox.js';
import { RedisOutbox } from './outbox-redis.js';

const FAST: OutboxOptions = { retry: { firstMs: 20, capMs: 100 }, closeTimeoutMs: 200 };
const at = (minute: number): string => `2024-05-01T10:${String(minute).padStart(2, '0')}:00.000Z`;

/** A firing group of one notification of host `host` at minute `minute`. */
function firing(host: string, minute: number): NotificationGroup {
  const n = sampleNotification({ labels: { host }, startsAt: at(minute) });
  return notificationGroup(n.rule, [n]);
}

/** Polls until `check` holds, for at most 5 s. */
async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  const end = Date.now() + 5000;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A receiver that fails (503) while its `up` is false; `got` lists the hosts of what it accepted, in order. */
async function switchable(): Promise<{ hook: HttpReceiver; up: boolean; got(): string[]; ids(): string[] }> {
  const answered: boolean[] = [];
  const r = {
    up: true,
    hook: await httpReceiver((n, res) => {
      answered[n - 1] = r.up;
      res.statusCode = r.up ? 200 : 503;
      res.end();
    }),
    accepted: () => r.hook.requests.filter((_q, i) => answered[i] === true),
    got: () => r.accepted().flatMap((q) => (JSON.parse(q.body) as NotificationGroup).notifications.map((n) => n.labels['host'] ?? '')),
    ids: () => r.accepted().map((q) => String(q.headers['x-rtdash-delivery'])),
  };
  return r;
}

describe('the outbox in Redis (needs Redis)', () => {
  let admin: Redis;
  let prefix = '';
  const cleanups: (() => Promise<void> | void)[] = [];
  const lease = (): string => `${prefix}:alerts:leader`;
  /** An outbox on this test's keys, holding the lease as `owner`, sending `ops` to `url`; closed after the test. */
  const outboxFor = (owner: string, url: string, redisUrl = SERVICES.redis.url, logger = recordingLogger()): Outbox => {
    const medium = new RedisOutbox(redisUrl, `${prefix}:outbox`, { key: lease(), owner }, { commandTimeoutMs: 1000 });
    const outbox = new Outbox(medium, createNotifiers({ ops: { type: 'webhook', timeoutMs: 2000, options: { url } } }), logger, FAST);
    cleanups.push(() => outbox.close());
    return outbox;
  };
  const receiver = async () => {
    const r = await switchable();
    cleanups.push(() => r.hook.close());
    return r;
  };

  before(async function () {
    await needService(this, 'redis');
    admin = new Redis(SERVICES.redis.url);
  });
  beforeEach(async () => {
    prefix = `rtdash-test-outbox-${randomUUID().slice(0, 8)}`;
    await admin.set(lease(), 'first');
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    const keys = await admin.keys(`${prefix}:*`);
    if (keys.length > 0) await admin.del(...keys);
  });
  after(() => admin?.disconnect());

  it('stores an entry in <prefix>:outbox before enqueue resolves, delivers it once and removes it; a later leader sends nothing', async () => {
    const r = await receiver();
    const first = outboxFor('first', r.hook.url);
    const id = await first.enqueue('ops', firing('a', 1));
    expect(await admin.hkeys(`${prefix}:outbox`)).to.deep.equal([id]);
    expect(JSON.parse((await admin.hget(`${prefix}:outbox`, id))!).group.notifications[0].labels.host).to.equal('a');
    await first.start();
    await until('the delivery', () => r.got().length === 1);
    await until('the removal', async () => (await admin.exists(`${prefix}:outbox`, `${prefix}:outbox:order`)) === 0);

    await admin.set(lease(), 'second');
    const second = outboxFor('second', r.hook.url);
    await second.start();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(r.got()).to.deep.equal(['a']);
  });

  it('sends one rule\'s entries oldest first, one at a time, after an outage of the receiver', async () => {
    const r = await receiver();
    r.up = false;
    const outbox = outboxFor('first', r.hook.url);
    await outbox.start();
    for (const [host, minute] of [['a', 1], ['b', 2], ['c', 3]] as const) await outbox.enqueue('ops', firing(host, minute));
    expect(await admin.zrange(`${prefix}:outbox:order`, '0', '-1'), 'stored in order').to.have.length(3);
    await until('a failed try', () => r.hook.requests.length > 2);
    expect(new Set(r.hook.requests.map((q) => (JSON.parse(q.body) as NotificationGroup).notifications[0]!.labels['host'])), 'only the oldest is tried').to.deep.equal(new Set(['a']));
    r.up = true;
    await until('all three', () => r.got().length === 3);
    expect(r.got()).to.deep.equal(['a', 'b', 'c']);
    await until('the removals', async () => (await admin.hlen(`${prefix}:outbox`)) === 0);
  });

  it('refuses a write or a removal from an instance that does not hold the lease', async () => {
    const r = await receiver();
    const outbox = outboxFor('first', r.hook.url);
    await admin.set(lease(), 'another');
    let refused: unknown;
    await outbox.enqueue('ops', firing('a', 1)).catch((err: unknown) => (refused = err));
    expect(String(refused)).to.match(/another instance leads the alert engine/);
    expect(await admin.exists(`${prefix}:outbox`)).to.equal(0);
    expect(outbox.stats().pending).to.equal(0);

    await admin.set(lease(), 'first');
    const id = await outbox.enqueue('ops', firing('b', 2));
    await admin.set(lease(), 'another');
    const medium = outbox.medium as RedisOutbox;
    expect(await medium.remove(id)).to.equal(false);
    expect(await medium.put({ ...JSON.parse((await admin.hget(`${prefix}:outbox`, id))!), seq: 99 }, false)).to.equal(false);
    expect(await admin.hkeys(`${prefix}:outbox`)).to.deep.equal([id]);
  });

  it('lets the next leader deliver, exactly once and in order, what a dead leader had not delivered', async () => {
    // The first leader's receiver never answers (as if it died mid-try); it is dropped without closing.
    const dead = await receiver();
    dead.up = false;
    const first = outboxFor('first', dead.hook.url);
    await first.start();
    const ids = [await first.enqueue('ops', firing('a', 1)), await first.enqueue('ops', firing('b', 2))];
    await until('a failed try', () => dead.hook.requests.length > 0);

    await admin.set(lease(), 'second'); // the first one's lease ran out; the second one took it
    const r = await receiver();
    const second = outboxFor('second', r.hook.url);
    await second.start();
    await until('both', () => r.got().length === 2);
    await until('the removals', async () => (await admin.hlen(`${prefix}:outbox`)) === 0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(r.got()).to.deep.equal(['a', 'b']);
    expect(r.ids(), 'the same delivery ids as the first leader used').to.deep.equal([firing('a', 1).id, firing('b', 2).id]);
    expect(ids).to.have.length(2);
    expect(dead.got()).to.deep.equal([]);
  });

  it('stops sending once paused (the lease was lost), and leaves the entry for the instance leading now', async () => {
    const r = await receiver();
    r.up = false;
    const first = outboxFor('first', r.hook.url);
    await first.start();
    await first.enqueue('ops', firing('a', 1));
    await until('a failed try', () => r.hook.requests.length > 0);
    first.pause();
    expect(first.stats().pending, 'forgotten here').to.equal(0);
    r.up = true;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(r.got(), 'nothing sent after the pause').to.deep.equal([]);
    expect(await admin.hlen(`${prefix}:outbox`), 'still stored').to.equal(1);

    await admin.set(lease(), 'second');
    const second = outboxFor('second', r.hook.url);
    await second.start();
    await until('the delivery by the new leader', () => r.got().length === 1);
    await until('the removal', async () => (await admin.hlen(`${prefix}:outbox`)) === 0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(r.got()).to.deep.equal(['a']);
  });

  it('keeps a new entry in memory while Redis does not answer, stores it once Redis does, and delivers it once', async () => {
    // The outbox reaches Redis through a proxy: closed, Redis is away for it, while the lease and the keys stay.
    const url = new URL(SERVICES.redis.url);
    const proxy = await TcpProxy.onFreePort({ host: url.hostname, port: Number(url.port || 6379) });
    await proxy.open();
    cleanups.push(() => proxy.close());
    const r = await receiver();
    const logger = recordingLogger();
    const outbox = outboxFor('first', r.hook.url, `redis://127.0.0.1:${proxy.port}${url.pathname}`, logger);
    await outbox.start();
    await proxy.close();
    await outbox.enqueue('ops', firing('a', 1)); // resolves: kept in memory
    expect(outbox.stats().pending).to.equal(1);
    expect(logger.lines.some((l) => l.level === 'warn' && /keeping it in memory/.test(l.msg ?? ''))).to.equal(true);
    expect(await admin.exists(`${prefix}:outbox`)).to.equal(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(r.got(), 'nothing is sent before it is stored').to.deep.equal([]);
    await proxy.open();
    await until('the delivery', () => r.got().length === 1);
    await until('the removal', async () => (await admin.exists(`${prefix}:outbox`)) === 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(r.ids()).to.deep.equal([firing('a', 1).id]);
    expect(logger.lines.some((l) => /stored a notification kept in memory/.test(l.msg ?? ''))).to.equal(true);
  });
});
