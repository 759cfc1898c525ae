import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { SERVICES, needService } from '../../test/support/services.js';
import { recordingLogger } from './notifiers/testing.js';
import { RedisSilences } from './redis-silences.js';
import { Silences } from './silences.js';

describe('silences in Redis, shared by instances (needs Redis)', function () {
  this.timeout(20_000);
  let admin: Redis;
  let key: string;
  const clients: Redis[] = [];
  const client = (): Redis => {
    const redis = new Redis(SERVICES.redis.url);
    clients.push(redis);
    return redis;
  };

  before(async function () {
    await needService(this, 'redis');
    admin = new Redis(SERVICES.redis.url);
  });
  beforeEach(() => {
    key = `rtdash-test:${randomUUID()}:silences`;
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    await admin?.del(key);
  });
  after(() => admin?.disconnect());

  it('shows a silence added on one instance to another at once, and its removal too', async () => {
    const one = new Silences(new RedisSilences(client(), key, recordingLogger()));
    const otherStore = new RedisSilences(client(), key, recordingLogger());
    const other = new Silences(otherStore);
    let changes = 0;
    const changed = new Promise<void>((resolve) =>
      void otherStore.watch(client(), () => {
        changes++;
        void other.load(Date.now()).then(() => other.active(Date.now()).length > 0 && resolve());
      }),
    );
    await new Promise((r) => setTimeout(r, 100)); // subscribed
    const now = Date.now();
    const silence = await one.add({ matchers: { rule: 'cpu-high' }, ends_at: new Date(now + 60_000).toISOString() }, now);
    await changed;
    expect(other.muting({ rule: 'cpu-high' }, Date.now())?.id).to.equal(silence.id);
    expect(await other.remove(silence.id)).to.equal(true);
    await one.load(Date.now());
    expect(one.active(Date.now())).to.deep.equal([]);
    expect(changes).to.be.greaterThan(1);
  });

  it('skips a malformed entry with one log line, drops ended ones, and keeps the rest', async () => {
    const now = Date.now();
    const good = { id: 'good', matchers: { rule: 'a' }, startsAt: now, endsAt: now + 60_000 };
    await admin.hset(key, 'good', JSON.stringify(good), 'torn', '{"id":"torn","matchers":{"ru', 'ended', JSON.stringify({ ...good, id: 'ended', endsAt: now - 1 }), 'moved', JSON.stringify({ ...good, id: 'elsewhere' }));
    const logger = recordingLogger();
    const store = new RedisSilences(client(), key, logger);
    expect(await store.list(now)).to.deep.equal([good]);
    expect(await store.list(now)).to.deep.equal([good]);
    expect(logger.lines.map((l) => [l.level, (l.obj as { id: string }).id]).sort()).to.deep.equal([
      ['warn', 'moved'],
      ['warn', 'torn'],
    ]);
    expect((await admin.hkeys(key)).sort(), 'ended ones deleted, malformed ones left for a person').to.deep.equal(['good', 'moved', 'torn']);
  });
});
