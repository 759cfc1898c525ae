import { expect } from 'chai';
import { redisScratch } from '../../test/support/redis-scratch.js';
import { Acknowledgements } from './acknowledgements.js';
import { recordingLogger } from './notifiers/testing.js';
import { RedisAcknowledgements } from './redis-acknowledgements.js';

describe('acknowledgements in Redis, shared by instances (needs Redis)', function () {
  this.timeout(20_000);
  const redis = redisScratch('acknowledgements');

  it('announces an acknowledgement made on one instance to another, and its removal; skips a malformed entry', async () => {
    const one = new Acknowledgements(new RedisAcknowledgements(redis.client(), redis.key, recordingLogger()));
    const logger = recordingLogger();
    const otherStore = new RedisAcknowledgements(redis.client(), redis.key, logger);
    const other = new Acknowledgements(otherStore);
    let seen: () => void = () => undefined;
    await otherStore.watch(redis.client(), () => void other.load().then(() => seen()));
    await redis.admin.hset(redis.key, 'torn', '{"id":"torn","at":');

    const made = new Promise<void>((resolve) => (seen = () => other.get('cpu-high{host="a"}') !== undefined && resolve()));
    await one.add('cpu-high{host="a"}', 1234);
    await made;
    expect(other.all()).to.deep.equal([{ id: 'cpu-high{host="a"}', at: 1234 }]);
    expect(logger.lines.map((l) => [l.level, (l.obj as { id: string }).id])).to.deep.equal([['warn', 'torn']]);

    const removed = new Promise<void>((resolve) => (seen = () => other.get('cpu-high{host="a"}') === undefined && resolve()));
    await other.remove('cpu-high{host="a"}');
    await one.load();
    await removed;
    expect(one.all()).to.deep.equal([]);
    expect(await redis.admin.hkeys(redis.key), 'a malformed entry is left for a person').to.deep.equal(['torn']);
  });
});
