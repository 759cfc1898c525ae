import { expect } from 'chai';
import { Redis } from 'ioredis';
import { SERVICES, needService } from '../../test/support/services.js';
import { DocumentAlertStore } from './alert-store.js';
import { recordingLogger } from './notifiers/testing.js';
import { RedisMedium } from './redis-medium.js';
import { initialAlertState, step } from './rule-state.js';

describe('alert state in Redis (needs Redis)', () => {
  const key = `rtdash-test:alerts:${process.pid}`;
  let admin: Redis;
  before(async function () {
    await needService(this, 'redis');
    admin = new Redis(SERVICES.redis.url);
  });
  after(async () => {
    if (admin === undefined) return;
    const leftovers = await admin.keys(`${key}*`);
    if (leftovers.length > 0) await admin.del(...leftovers);
    admin.disconnect();
  });

  it('keeps a firing alert across a restart of the store, as the file store does', async () => {
    const rule = { name: 'cpu-high', forMs: 0, keepFiringForMs: 0, repeatMs: 0, nodata: 'nodata', error: 'error' } as const;
    const now = Date.now(); // history older than a week is pruned on load
    const firing = step(initialAlertState({}, now - 1000), { kind: 'value', holds: true, values: { 'last()': 95 } }, now, rule);
    const first = new DocumentAlertStore(new RedisMedium(SERVICES.redis.url, key), recordingLogger(), { minWriteIntervalMs: 10 });
    expect((await first.load()).alerts).to.deep.equal({});
    first.save({ 'cpu-high': { '': firing.state } });
    first.appendHistory(firing.transitions);
    await first.close();
    (first.medium as RedisMedium).close();
    expect(JSON.parse((await admin.get(key))!).alerts['cpu-high'][''].state).to.equal('firing');

    const second = new DocumentAlertStore(new RedisMedium(SERVICES.redis.url, key), recordingLogger());
    const restored = await second.load();
    expect(restored.alerts['cpu-high']?.['']).to.deep.equal(firing.state);
    expect(restored.history.map((t) => t.kind)).to.deep.equal(['firing']);
    await second.close();
    (second.medium as RedisMedium).close();
  });

  it('moves an unreadable document aside, logs it, and starts empty', async () => {
    await admin.set(key, '{not json');
    const logger = recordingLogger();
    const store = new DocumentAlertStore(new RedisMedium(SERVICES.redis.url, key), logger);
    expect((await store.load()).alerts).to.deep.equal({});
    await store.close();
    (store.medium as RedisMedium).close();
    expect(await admin.exists(key)).to.equal(0);
    const aside = await admin.keys(`${key}:corrupt:*`);
    expect(aside).to.have.length(1);
    expect(await admin.get(aside[0]!)).to.equal('{not json');
    expect(logger.lines.some((l) => l.level === 'error' && /moved aside/.test(l.msg ?? ''))).to.equal(true);
  });
});
