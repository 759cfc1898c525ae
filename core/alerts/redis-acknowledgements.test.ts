import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { SERVICES, needService } from '../../test/support/services.js';
import { Acknowledgements } from './acknowledgements.js';
import { recordingLogger } from './notifiers/testing.js';
import { RedisAcknowledgements } from './redis-acknowledgements.js';

describe('acknowledgements in Redis, shared by instances (needs Redis)', function () {
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
    key = `rtdash-test:${randomUUID()}:acknowledgements`;
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.disconnect();
    await admin?.del(key);
  });
  after(() => admin?.disconnect());

  it('announces an acknowledgement made on one instance to another, and its removal; skips a malformed entry', async () => {
    const one = new Acknowledgements(new RedisAcknowledgements(client(), key, recordingLogger()));
    const logger = recordingLogger();
    const otherStore = new RedisAcknowledgements(client(), key, logger);
    const other = new Acknowledgements(otherStore);
    let seen: () => void = () => undefined;
    await otherStore.watch(client(), () => void other.load().then(() => seen()));
    await admin.hset(key, 'torn', '{"id":"torn","at":');

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
    expect(await admin.hkeys(key), 'a malformed entry is left for a person').to.deep.equal(['torn']);
  });
});
