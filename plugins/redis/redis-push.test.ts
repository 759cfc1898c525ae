/**
 * The redis source's push against a real Redis (db 5, keys under PREFIX): pub/sub and keyspace notifications
 * through one shared subscriber connection, unsubscribing, and close() ending both connections. On a private
 * Redis: these tests turn keyspace notifications on and off, a setting of the whole server.
 */
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import type { RedisSourceOptions } from './index.js';
import { usePrivateRedis } from '../../test/support/private-redis.js';
import { fakeQueryContext } from '../conformance.js';
import { PREFIX, adminClient, clientsNamed, numsub, recordingLogger, testSource as sharedSource, waitFor } from './testing.js';

describe('redis plugin push (a private Redis)', function () {
  const redis = usePrivateRedis();
  let admin: Redis;
  before(() => {
    admin = adminClient(redis());
  });
  after(() => admin?.disconnect());
  /** A source on the private server. */
  const testSource = (name: string, options: RedisSourceOptions = {}, logger?: ReturnType<typeof recordingLogger>) =>
    sharedSource(name, { host: redis().host, port: redis().port, ...options }, logger);

  describe('push', () => {

    it('re-runs on PUBLISH within 100 ms, shares one subscriber connection, and stops on unsubscribe', async () => {
      const source = testSource('push-a');
      const channel = `${PREFIX}orders`;
      const hits = { a: [] as number[], b: [] as number[], sentinel: 0 };
      try {
        const stopA = source.subscribe({ channel }, () => hits.a.push(performance.now()), { variables: {} });
        const stopB = source.subscribe({ channel: [PREFIX, ':name'] }, () => hits.b.push(performance.now()), { variables: { name: 'orders' } });
        source.subscribe({ channel: `${PREFIX}sentinel` }, () => hits.sentinel++, { variables: {} });
        await waitFor('the subscription', async () => (await numsub(admin, channel)) === 1 && (await numsub(admin, `${PREFIX}sentinel`)) === 1);
        expect(await clientsNamed(admin, 'rtdash:push-a:sub')).to.deep.equal([{ sub: 2, psub: 0 }]);
        const sentAt = performance.now();
        await admin.publish(channel, 'new order');
        await waitFor('both listeners', () => hits.a.length === 1 && hits.b.length === 1, 1000, 1);
        expect((hits.a[0] as number) - sentAt).to.be.below(100);
        stopA();
        stopA(); // a second call must not take B's place away
        await admin.publish(channel, 'another');
        await waitFor('B alone', () => hits.b.length === 2, 1000, 1);
        expect(hits.a).to.have.length(1);
        stopB();
        await waitFor('the unsubscription', async () => (await numsub(admin, channel)) === 0);
        await admin.publish(channel, 'unheard');
        await admin.publish(`${PREFIX}sentinel`, 'heard');
        // Messages on one connection arrive in order: once the sentinel's is in, the other would have been too.
        await waitFor('the sentinel', () => hits.sentinel === 1, 1000, 1);
        expect([hits.a.length, hits.b.length]).to.deep.equal([1, 2]);
      } finally {
        await source.close();
      }
    });

    it('re-runs when a key matching the pattern changes (keyspace notifications), and not for others', async () => {
      await admin.config('SET', 'notify-keyspace-events', 'KEA');
      const source = testSource('push-k', { key_prefix: `${PREFIX}ks:` });
      const hits = { cart: 0, literal: 0, sentinel: 0 };
      try {
        const stop = source.subscribe({ keys: 'cart:*' }, () => hits.cart++, { variables: {} });
        // A variable's value is matched literally: "*" means the key called "*", not every key.
        source.subscribe({ keys: ['user:', ':id'] }, () => hits.literal++, { variables: { id: '*' } });
        source.subscribe({ keys: 'sentinel' }, () => hits.sentinel++, { variables: {} });
        await waitFor('the patterns', async () => (await clientsNamed(admin, 'rtdash:push-k:sub'))[0]?.psub === 3);
        await admin.set(`${PREFIX}ks:other`, '1');
        await admin.set(`${PREFIX}ks:user:42`, '1');
        await admin.set(`${PREFIX}ks:cart:1`, '1');
        await waitFor('the cart event', () => hits.cart === 1, 1000, 1);
        await admin.set(`${PREFIX}ks:user:*`, '1');
        await waitFor('the literal key event', () => hits.literal === 1, 1000, 1);
        stop();
        await waitFor('the punsubscription', async () => (await clientsNamed(admin, 'rtdash:push-k:sub'))[0]?.psub === 2);
        await admin.set(`${PREFIX}ks:cart:2`, '1');
        await admin.set(`${PREFIX}ks:sentinel`, '1');
        await waitFor('the sentinel', () => hits.sentinel === 1, 1000, 1);
        expect(hits).to.deep.equal({ cart: 1, literal: 1, sentinel: 1 });
      } finally {
        await source.close();
      }
    });

    it('leaves notify-keyspace-events alone unless enable_keyspace_events is set, and says so', async () => {
      await admin.config('SET', 'notify-keyspace-events', '');
      const logger = recordingLogger();
      const quiet = testSource('push-off', {}, logger);
      const loud = testSource('push-on', { enable_keyspace_events: true });
      let hits = 0;
      try {
        await quiet.health(AbortSignal.timeout(2000));
        quiet.subscribe({ keys: `${PREFIX}ks:*` }, () => undefined, { variables: {} });
        await waitFor('the warning', () => logger.lines.some((l) => l.level === 'warn' && l.msg.includes('set notify-keyspace-events to KEA')));
        expect(((await admin.config('GET', 'notify-keyspace-events')) as string[])[1]).to.equal('');
        await loud.health(AbortSignal.timeout(2000));
        loud.subscribe({ keys: `${PREFIX}ks:*` }, () => hits++, { variables: {} });
        await waitFor('keyspace events on', async () => ((await admin.config('GET', 'notify-keyspace-events')) as string[])[1]?.includes('K'));
        await waitFor('the pattern', async () => (await clientsNamed(admin, 'rtdash:push-on:sub'))[0]?.psub === 1);
        await admin.set(`${PREFIX}ks:x`, '1');
        await waitFor('the event', () => hits === 1, 1000, 1);
      } finally {
        await Promise.all([quiet.close(), loud.close()]);
      }
    });
  });

  describe('close', () => {
    it('ends both connections, may be called twice, and leaves a source that says it is closed', async () => {
      const source = testSource('close-a');
      await source.health(AbortSignal.timeout(2000));
      source.subscribe({ channel: `${PREFIX}x` }, () => undefined, { variables: {} });
      await waitFor('both connections', async () => (await clientsNamed(admin, 'rtdash:close-a')).length === 1 && (await clientsNamed(admin, 'rtdash:close-a:sub')).length === 1);
      await source.close();
      await source.close();
      await waitFor('no connections', async () => (await clientsNamed(admin, 'rtdash:close-a')).length + (await clientsNamed(admin, 'rtdash:close-a:sub')).length === 0);
      await source.query({ command: 'DBSIZE' }, fakeQueryContext()).then(
        () => expect.fail('resolved'),
        (err: Error) => expect(err.message).to.equal('redis source "close-a" is closed'),
      );
      expect(await source.health(AbortSignal.timeout(1000))).to.deep.equal({ status: 'down', message: 'redis source "close-a" is closed' });
      expect(() => source.subscribe({ channel: 'x' }, () => undefined, { variables: {} })).to.throw(/is closed/);
    });

    it('reports health ok with its latency', async () => {
      const source = testSource('health-a');
      try {
        const health = await source.health(AbortSignal.timeout(3000));
        expect(health.status).to.equal('ok');
        expect(health.latencyMs).to.be.a('number');
      } finally {
        await source.close();
      }
    });
  });
});
