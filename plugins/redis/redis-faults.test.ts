/**
 * The redis source when Redis goes away: commands fail fast during an outage and work again afterwards on the
 * same source, subscriptions resume, a source made while Redis is unreachable recovers, an outage is logged
 * once, and an abort rejects a command that is stuck in flight. Outages are a private Redis stopped and started, or
 * a proxy cut in front of the shared one, which is never stopped.
 */
import { SERVICES } from '../../test/support/services.js';
import { TcpProxy } from '../../test/support/tcp-proxy.js';
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import type { QueryContext } from '../../core/plugin.js';
import { needService } from '../../test/support/services.js';
import { fakeQueryContext } from '../conformance.js';
import type { RedisSource } from './index.js';
import { usePrivateRedis } from '../../test/support/private-redis.js';
import { PREFIX, adminClient, cleanKeys, numsub, recordingLogger, testSource, waitFor } from './testing.js';

const context = (overrides: Partial<QueryContext> = {}): QueryContext => fakeQueryContext(overrides);

/** Runs a query that must fail, and returns how long it took and its message. */
async function failure(source: RedisSource): Promise<{ ms: number; message: string }> {
  const started = performance.now();
  try {
    await source.query({ command: 'GET', key: `${PREFIX}fault` }, context());
  } catch (err) {
    return { ms: performance.now() - started, message: err instanceof Error ? err.message : String(err) };
  }
  throw new Error('the query succeeded during an outage');
}

/** Resolves when the source answers queries again. */
async function recovered(source: RedisSource, timeoutMs = 10_000): Promise<void> {
  await waitFor('the source to answer again', async () => (await source.query({ command: 'DBSIZE' }, context())).fields.length === 2, timeoutMs, 50);
}

describe('redis plugin faults (needs Redis)', function () {
  this.timeout(30_000);
  let admin: Redis | undefined;
  before(async function () {
    await needService(this, 'redis');
    admin = adminClient();
  });
  after(async () => {
    if (admin !== undefined) {
      await cleanKeys(admin);
      admin.disconnect();
    }
  });

  describe('a Redis restart (a private server)', () => {
    const redis = usePrivateRedis();

    it('fails fast while Redis is down, then recovers and resumes its subscription without being recreated', async () => {
      const logger = recordingLogger();
      const source = testSource('fault-restart', { host: redis().host, port: redis().port }, logger);
      const own = adminClient(redis());
      const hits: number[] = [];
      try {
        await own.set(`${PREFIX}fault`, '1');
        expect((await source.query({ command: 'GET', key: `${PREFIX}fault` }, context())).fields[1]?.values).to.deep.equal([1]);
        source.subscribe({ channel: `${PREFIX}events` }, () => hits.push(Date.now()), { variables: {} });
        await waitFor('the subscription', async () => (await numsub(own, `${PREFIX}events`)) === 1);

        await redis().stop();
        for (let i = 0; i < 3; i++) {
          const { ms, message } = await failure(source);
          expect(ms, message).to.be.below(1000);
          expect(message).to.match(/^redis source "fault-restart" (is not connected \([^)]+\); it reconnects by itself|lost its connection while running GET)/, message);
        }
        const health = await source.health(AbortSignal.timeout(3000));
        expect(health.status).to.equal('down');
        expect(health.message).to.match(/^redis source "fault-restart" is not connected \(/);

        await redis().start();
        await recovered(source);
        // Messages published during the outage are lost, so every listener hears "may have changed" on reconnect.
        await waitFor('the resubscription', async () => (await numsub(own, `${PREFIX}events`)) === 1 && hits.length >= 1);
        const before = hits.length;
        await own.publish(`${PREFIX}events`, 'after the restart');
        await waitFor('the message after the restart', () => hits.length === before + 1, 2000, 1);

        const warnings = logger.lines.filter((l) => l.level === 'warn' && l.msg.startsWith('redis connection lost'));
        expect(warnings.map((l) => (l.obj as { role?: string }).role).sort(), 'one warning per connection per outage').to.deep.equal(['commands', 'subscriber']);
        expect(logger.lines.filter((l) => l.level === 'info' && l.msg === 'redis connection restored')).to.have.length(2);
      } finally {
        await source.close();
        own.disconnect();
      }
    });
  });

  describe('through a proxy', () => {
    let proxy: TcpProxy;
    before(async () => {
      proxy = await TcpProxy.onFreePort(SERVICES.redis);
    });
    afterEach(async () => {
      proxy.stall(false);
      await proxy.close();
    });

    it('is created while Redis is unreachable without throwing, reports why, and recovers when it is reachable', async () => {
      const logger = recordingLogger();
      const source = testSource('fault-unreachable', { port: proxy.port, connect_timeout: '1s' }, logger);
      try {
        const first = await failure(source);
        expect(first.ms).to.be.below(1000);
        expect(first.message).to.equal('redis source "fault-unreachable" is not connected (ECONNREFUSED); it reconnects by itself, and commands fail at once until then');
        const health = await source.health(AbortSignal.timeout(3000));
        expect(health).to.deep.include({ status: 'down' });
        expect(health.message).to.include('ECONNREFUSED');
        // Several reconnection attempts fail meanwhile; the outage is still logged once.
        await new Promise((resolve) => setTimeout(resolve, 400));

        await proxy.open();
        await recovered(source);
        expect((await source.health(AbortSignal.timeout(3000))).status).to.equal('ok');
        const warnings = logger.lines.filter((l) => l.level === 'warn');
        expect(warnings, JSON.stringify(warnings)).to.have.length(1);
        expect(warnings[0]?.msg).to.equal('redis connection lost or refused; reconnecting in the background');

        await proxy.close();
        const again = await failure(source);
        expect(again.ms).to.be.below(1000);
        expect(again.message).to.match(/^redis source "fault-unreachable" (is not connected|lost its connection)/);
        await proxy.open();
        await recovered(source);
        expect(logger.lines.filter((l) => l.level === 'warn')).to.have.length(2);
        expect(logger.lines.filter((l) => l.level === 'info' && l.msg === 'redis connection restored')).to.have.length(2);
      } finally {
        await source.close();
      }
    });

    it('rejects at once when the signal aborts a command stuck in flight, and keeps working after', async () => {
      await proxy.open();
      const source = testSource('fault-abort', { port: proxy.port });
      try {
        await recovered(source);
        proxy.stall(true);
        const controller = new AbortController();
        const reason = new Error('timed out');
        const pending = source.query({ command: 'DBSIZE' }, context({ signal: controller.signal }));
        setTimeout(() => controller.abort(reason), 50);
        const started = performance.now();
        await pending.then(
          () => expect.fail('resolved'),
          (err: unknown) => expect(err).to.equal(reason),
        );
        expect(performance.now() - started).to.be.below(500);
        proxy.stall(false);
        // The late reply of the abandoned command is dropped; the next one gets its own.
        await admin!.set(`${PREFIX}fault`, 'after');
        expect((await source.query({ command: 'GET', key: `${PREFIX}fault` }, context())).fields[1]?.values).to.deep.equal(['after']);
      } finally {
        await source.close();
      }
    });
  });
});
