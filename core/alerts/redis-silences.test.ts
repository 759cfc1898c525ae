import { expect } from 'chai';
import { redisScratch } from '../../test/support/redis-scratch.js';
import { recordingLogger } from './notifiers/testing.js';
import { RedisSilences } from './redis-silences.js';
import { Silences } from './silences.js';

describe('silences in Redis, shared by instances (needs Redis)', function () {
  this.timeout(20_000);
  const redis = redisScratch('silences');

  it('shows a silence added on one instance to another at once, and its removal too', async () => {
    const one = new Silences(new RedisSilences(redis.client(), redis.key, recordingLogger()));
    const otherStore = new RedisSilences(redis.client(), redis.key, recordingLogger());
    const other = new Silences(otherStore);
    let changes = 0;
    const changed = new Promise<void>((resolve) =>
      void otherStore.watch(redis.client(), () => {
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
    await redis.admin.hset(redis.key, 'good', JSON.stringify(good), 'torn', '{"id":"torn","matchers":{"ru', 'ended', JSON.stringify({ ...good, id: 'ended', endsAt: now - 1 }), 'moved', JSON.stringify({ ...good, id: 'elsewhere' }));
    const logger = recordingLogger();
    const store = new RedisSilences(redis.client(), redis.key, logger);
    expect(await store.list(now)).to.deep.equal([good]);
    expect(await store.list(now)).to.deep.equal([good]);
    expect(logger.lines.map((l) => [l.level, (l.obj as { id: string }).id]).sort()).to.deep.equal([
      ['warn', 'moved'],
      ['warn', 'torn'],
    ]);
    expect((await redis.admin.hkeys(redis.key)).sort(), 'ended ones deleted, malformed ones left for a person').to.deep.equal(['good', 'moved', 'torn']);
  });
});
