/**
 * The redis source against a real Redis (db 5, keys under rtdash:test:): the conformance suite, the frame of
 * every command, variables as arguments only, and the row cap. Push and close() are in redis-push.test.ts.
 */
import { expect } from 'chai';
import type { Redis } from 'ioredis';
import type { Frame, QueryContext } from '../../core/plugin.js';
import { needService } from '../../test/support/services.js';
import { fakeQueryContext, runConformance } from '../conformance.js';
import redis, { type RedisQuery, type RedisSource } from './index.js';
import { PREFIX, TEST_OPTIONS, adminClient, cleanKeys, testSource, waitFor } from './testing.js';

const CONF = `${PREFIX}conf:`;

/** The columns of a frame as name → values. */
function columns(frame: Frame): Record<string, unknown[]> {
  return Object.fromEntries(frame.fields.map((f) => [f.name, f.values]));
}

/** name:type of every column. */
function shape(frame: Frame): string[] {
  return frame.fields.map((f) => `${f.name}:${f.type}`);
}

async function seed(admin: Redis, prefix: string): Promise<void> {
  await admin.set(`${prefix}active`, '42');
  await admin.set(`${prefix}label`, 'hello');
  await admin.hset(`${prefix}stats`, { orders: '17', revenue: '1234.5', status: 'open', time: '007' });
  await admin.rpush(`${prefix}recent`, 'a', 'b', '3');
  await admin.zadd(`${prefix}top`, 5, 'shoes', 12, 'hats', 7.5, 'socks');
  await admin.sadd(`${prefix}sessions`, 's1', 's2', 's3');
  await admin.pfadd(`${prefix}visitors`, 'u1', 'u2', 'u3', 'u4');
  for (const total of ['10', '20.5', '30']) await admin.xadd(`${prefix}orders`, '*', 'total', total, 'region', 'eu');
}

describe('redis plugin (needs Redis)', function () {
  let admin: Redis;
  before(async function () {
    await needService(this, 'redis');
    admin = adminClient();
    await cleanKeys(admin);
    await seed(admin, CONF);
  });
  after(async () => {
    if (admin === undefined) return;
    await cleanKeys(admin);
    admin.disconnect();
  });

  runConformance<typeof TEST_OPTIONS, RedisQuery>({
    plugin: redis,
    options: { ...TEST_OPTIONS, key_prefix: CONF },
    queries: [
      { name: 'GET', query: { command: 'GET', key: 'active' } },
      { name: 'MGET', query: { command: 'MGET', keys: ['active', 'label', 'missing'] } },
      { name: 'HGET with a variable', query: { command: 'HGET', key: 'stats', field: ':field' }, variables: { field: 'orders' } },
      { name: 'HGETALL', query: { command: 'HGETALL', key: 'stats' } },
      { name: 'LRANGE', query: { command: 'LRANGE', key: 'recent', start: 0, stop: -1 } },
      { name: 'ZREVRANGE', query: { command: 'ZREVRANGE', key: 'top', start: 0, stop: 9 } },
      { name: 'SCARD', query: { command: 'SCARD', key: 'sessions' } },
      { name: 'PFCOUNT', query: { command: 'PFCOUNT', key: 'visitors' } },
      { name: 'XRANGE', query: { command: 'XRANGE', key: 'orders' } },
      { name: 'XREVRANGE', query: { command: 'XREVRANGE', key: 'orders', start: '-', end: '+', count: 10 } },
      { name: 'INFO', query: { command: 'INFO', section: 'memory' } },
      { name: 'DBSIZE', query: { command: 'DBSIZE' } },
    ],
    // No slowQuery: the allowlist has no command that takes seconds, and a command in flight cannot be
    // cancelled in Redis; redis-faults.test.ts shows an abort rejects a stalled command at once.
    boundQuery: { name: 'HGET of a field named by a variable', query: { command: 'HGET', key: 'stats', field: ':field' }, variable: 'field' },
  });

  describe('frames', () => {
    let source: RedisSource;
    const at = 1_700_000_000_000;
    const ask = (query: unknown, overrides: Partial<QueryContext> = {}): Promise<Frame> =>
      source.query(query as RedisQuery, fakeQueryContext({ range: { from: 0, to: at }, ...overrides }));
    before(() => {
      source = testSource('frames', { key_prefix: CONF });
    });
    after(() => source.close());

    it('GET, HGET and MGET give one row at range.to, numbers where the value is a number', async () => {
      expect(columns(await ask({ command: 'GET', key: 'active' }))).to.deep.equal({ time: [at], value: [42] });
      expect(columns(await ask({ command: 'GET', key: 'label' }))).to.deep.equal({ time: [at], value: ['hello'] });
      expect(shape(await ask({ command: 'GET', key: 'missing' }))).to.deep.equal(['time:time', 'value:number']);
      expect(columns(await ask({ command: 'HGET', key: ['st', 'ats'], field: 'revenue' }))).to.deep.equal({ time: [at], value: [1234.5] });
      expect(columns(await ask({ command: 'MGET', keys: ['active', 'label', 'missing'] }))).to.deep.equal({ time: [at], active: [42], label: ['hello'], missing: [null] });
      expect(columns(await ask({ command: 'MGET', keys: { users: 'active', region: [':r'] } }, { variables: { r: 'label' } }))).to.deep.equal({ time: [at], users: [42], region: ['hello'] });
    });

    it('HGETALL gives one row with a column per hash field, sorted, clashing names suffixed', async () => {
      const frame = await ask({ command: 'HGETALL', key: 'stats' });
      expect(shape(frame)).to.deep.equal(['time:time', 'orders:number', 'revenue:number', 'status:string', 'time_:string']);
      expect(columns(frame)).to.deep.equal({ time: [at], orders: [17], revenue: [1234.5], status: ['open'], time_: ['007'] });
      expect(columns(await ask({ command: 'HGETALL', key: 'missing' }))).to.deep.equal({ time: [at] });
    });

    it('LRANGE gives index and value; negative indexes count from the end', async () => {
      expect(columns(await ask({ command: 'LRANGE', key: 'recent' }))).to.deep.equal({ index: [0, 1, 2], value: ['a', 'b', '3'] });
      expect(columns(await ask({ command: 'LRANGE', key: 'recent', start: -2 }))).to.deep.equal({ index: [1, 2], value: ['b', '3'] });
      expect(columns(await ask({ command: 'LRANGE', key: 'recent', start: ':n', stop: 0 }, { variables: { n: '-3' } }))).to.deep.equal({ index: [0], value: ['a'] });
      expect(columns(await ask({ command: 'LRANGE', key: 'recent', start: 2, stop: 1 }))).to.deep.equal({ index: [], value: [] });
    });

    it('ZRANGE and ZREVRANGE give member and score', async () => {
      expect(columns(await ask({ command: 'ZREVRANGE', key: 'top', start: 0, stop: 1 }))).to.deep.equal({ member: ['hats', 'socks'], score: [12, 7.5] });
      const frame = await ask({ command: 'ZRANGE', key: 'top' });
      expect(shape(frame)).to.deep.equal(['member:string', 'score:number']);
      expect(columns(frame)).to.deep.equal({ member: ['shoes', 'socks', 'hats'], score: [5, 7.5, 12] });
    });

    it('SCARD, PFCOUNT and DBSIZE give one number at range.to', async () => {
      expect(columns(await ask({ command: 'SCARD', key: 'sessions' }))).to.deep.equal({ time: [at], value: [3] });
      expect(columns(await ask({ command: 'PFCOUNT', key: 'visitors' }))).to.deep.equal({ time: [at], value: [4] });
      const size = Number(await admin.dbsize());
      expect(columns(await ask({ command: 'DBSIZE' }))).to.deep.equal({ time: [at], value: [size] });
    });

    it('XRANGE turns a stream into a time series over the range; XREVRANGE reads newest first', async () => {
      const ids = (await admin.xrange(`${CONF}orders`, '-', '+')).map(([id]) => id);
      const times = ids.map((id) => Number(id.split('-')[0]));
      const all = await ask({ command: 'XRANGE', key: 'orders' }, { range: { from: 0, to: Date.now() + 1000 } });
      expect(shape(all)).to.deep.equal(['time:time', 'total:number', 'region:string']);
      expect(columns(all)).to.deep.equal({ time: times, total: [10, 20.5, 30], region: ['eu', 'eu', 'eu'] });
      // (from, to]: an entry at exactly `from` belongs to the previous run.
      const last = times[2] as number;
      const after = await ask({ command: 'XRANGE', key: 'orders' }, { range: { from: last, to: last + 1000 } });
      expect(columns(after)['time']).to.deep.equal([]);
      expect(shape(after), 'an empty range keeps the shape of the stream').to.deep.equal(shape(all));
      const newest = await ask({ command: 'XREVRANGE', key: 'orders', start: '-', end: '+', count: 2, fields: ['total'] });
      expect(columns(newest)).to.deep.equal({ time: [times[2], times[1]], total: [30, 20.5] });
    });

    it('INFO gives only the fields it names, in that order, null for one it lacks', async () => {
      const frame = await ask({ command: 'INFO', fields: ['used_memory', 'connected_clients', 'no_such_field'] });
      expect(frame.fields.map((f) => f.name)).to.deep.equal(['time', 'used_memory', 'connected_clients', 'no_such_field']);
      expect(frame.fields[1]!.values[0]).to.be.a('number').above(0);
      expect(frame.fields[2]!.values[0]).to.be.a('number').at.least(1);
      expect(frame.fields[3]!.values).to.deep.equal([null]);
    });

    it('INFO gives one row of the numeric fields', async () => {
      const frame = await ask({ command: 'INFO' });
      const cols = columns(frame);
      expect(frame.fields[0]?.name).to.equal('time');
      expect(frame.fields.every((f) => f.type === 'time' || f.type === 'number')).to.equal(true);
      expect(cols['connected_clients']?.[0]).to.be.a('number').and.at.least(1);
      expect(cols['used_memory']?.[0]).to.be.a('number').and.above(0);
      expect(cols).not.to.have.property('redis_version');
      expect(Object.keys(columns(await ask({ command: 'INFO', section: 'keyspace' })))).to.include('db5_keys');
    });

    it('TS.RANGE says plainly when RedisTimeSeries is not loaded', async function () {
      const modules = JSON.stringify(await admin.call('MODULE', 'LIST'));
      if (modules.includes('timeseries')) this.skip(); // this server has it: the message cannot be seen here
      await ask({ command: 'TS.RANGE', key: 'ts' }).then(
        () => expect.fail('resolved'),
        (err: Error) => expect(err.message).to.equal('redis source "frames": TS.RANGE: RedisTimeSeries is not loaded on this server'),
      );
    });

    it('reports a key of the wrong type with Redis’s WRONGTYPE message, prefixed with the source', async () => {
      await ask({ command: 'HGETALL', key: 'active' }).then(
        () => expect.fail('resolved'),
        (err: Error) => expect(err.message).to.equal('redis source "frames": HGETALL failed: WRONGTYPE Operation against a key holding the wrong kind of value'),
      );
      await ask({ command: 'LRANGE', key: 'stats', start: -1 }).then(
        () => expect.fail('resolved'),
        (err: Error) => expect(err.message).to.match(/^redis source "frames": LRANGE failed: WRONGTYPE/),
      );
    });

    it('rejects a write command and an unset variable at query time too, before sending anything', async () => {
      for (const command of ['SET', 'DEL', 'FLUSHALL', 'EVAL', 'CONFIG']) {
        await ask({ command, key: 'active' }).then(
          () => expect.fail(`${command} resolved`),
          (err: Error) => expect(err.message).to.include(`"command" must be one of the read-only commands GET, MGET`).and.include(`got "${command}"`),
        );
      }
      await ask({ command: 'GET', key: ':nope' }).then(
        () => expect.fail('resolved'),
        (err: Error) => expect(err.message).to.equal('redis source "frames": GET "key" uses :nope, but variable "nope" is not set'),
      );
      expect(await admin.get(`${CONF}active`)).to.equal('42');
    });
  });

  describe('variables', () => {
    let source: RedisSource;
    before(() => {
      source = testSource('vars', { key_prefix: CONF });
    });
    after(() => source.close());

    it('reach Redis only as (part of) one argument: no command, no glob, nothing flushed', async () => {
      const before = Number(await admin.dbsize());
      for (const value of ['x\r\nFLUSHALL\r\n', '*', 'active\r\nDEL active', '" FLUSHDB "']) {
        const variables = { v: value };
        const get = await source.query({ command: 'GET', key: ':v' }, fakeQueryContext({ variables }));
        expect(get.fields[1]?.values, JSON.stringify(value)).to.deep.equal([null]);
        const mget = await source.query({ command: 'MGET', keys: [['act', ':v']] }, fakeQueryContext({ variables }));
        expect(mget.fields[1]?.values).to.deep.equal([null]);
        const hget = await source.query({ command: 'HGET', key: 'stats', field: ':v' }, fakeQueryContext({ variables }));
        expect(hget.fields[1]?.values).to.deep.equal([null]);
      }
      expect(Number(await admin.dbsize())).to.equal(before);
      expect(await admin.get(`${CONF}active`)).to.equal('42');
    });

    it('fill keys in the middle of text or through a joined list', async () => {
      const read = async (key: unknown): Promise<unknown> =>
        (await source.query({ command: 'GET', key } as RedisQuery, fakeQueryContext({ variables: { name: 'active' } }))).fields[1]?.values[0];
      expect(await read(':name')).to.equal(42);
      expect(await read(['', ':name'])).to.equal(42);
      expect(await read(['act', 'ive'])).to.equal(42);
    });
  });

  describe('row cap', () => {
    let source: RedisSource;
    let monitor: Redis;
    let monitorBase: Redis | undefined;
    const sent: string[][] = [];
    const maxRows = 10;
    before(async () => {
      await admin.rpush(`${PREFIX}cap:list`, ...Array.from({ length: 1000 }, (_, i) => `item${i}`));
      await admin.call('ZADD', `${PREFIX}cap:zset`, ...Array.from({ length: 500 }, (_, i) => [String(i), `m${i}`]).flat());
      await admin.hset(`${PREFIX}cap:hash`, Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`f${String(i).padStart(3, '0')}`, String(i)])));
      const pipeline = admin.pipeline();
      for (let i = 1; i <= 300; i++) pipeline.xadd(`${PREFIX}cap:stream`, `${i}-0`, 'n', String(i));
      await pipeline.exec();
      source = testSource('cap', { key_prefix: `${PREFIX}cap:` });
      monitorBase = adminClient();
      monitor = await monitorBase.monitor();
      monitor.on('monitor', (_time: string, args: string[]) => sent.push(args));
    });
    after(async () => {
      monitor?.disconnect();
      monitorBase?.disconnect();
      await source?.close();
    });

    /** The arguments the source sent with `command`, as MONITOR saw them. */
    const argsOf = (command: string): Promise<string[]> =>
      waitFor(`MONITOR to show ${command}`, () => sent.find((args) => args[0]?.toUpperCase() === command && args[1]?.startsWith(`${PREFIX}cap:`)));

    const ask = (query: RedisQuery): Promise<Frame> => source.query(query, fakeQueryContext({ maxRows, range: { from: 0, to: 1000 } }));

    it('cuts a long list, flags it, and asks Redis for maxRows + 1 items only', async () => {
      const frame = await ask({ command: 'LRANGE', key: 'list' });
      expect(frame.meta).to.deep.equal({ truncated: true });
      expect(columns(frame)['value']).to.deep.equal(Array.from({ length: 10 }, (_, i) => `item${i}`));
      expect((await argsOf('LRANGE')).slice(2)).to.deep.equal(['0', '10']);
      const fits = await source.query({ command: 'LRANGE', key: 'list', start: -3 }, fakeQueryContext({ maxRows }));
      expect(fits.meta, 'a range within the cap is not flagged').to.equal(undefined);
    });

    it('cuts a stream with COUNT maxRows + 1', async () => {
      const frame = await ask({ command: 'XRANGE', key: 'stream' });
      expect(frame.meta).to.deep.equal({ truncated: true });
      expect(columns(frame)).to.deep.equal({ time: Array.from({ length: 10 }, (_, i) => i + 1), n: Array.from({ length: 10 }, (_, i) => i + 1) });
      expect((await argsOf('XRANGE')).slice(2)).to.deep.equal(['1', '1000', 'COUNT', '11']);
      const five = await ask({ command: 'XREVRANGE', key: 'stream', start: '-', end: '+', count: 5 });
      expect(five.meta, 'a count within the cap is not flagged').to.equal(undefined);
      expect(columns(five)['n']).to.deep.equal([300, 299, 298, 297, 296]);
    });

    it('cuts sorted sets and hashes too', async () => {
      const top = await ask({ command: 'ZREVRANGE', key: 'zset' });
      expect(top.meta).to.deep.equal({ truncated: true });
      expect(columns(top)['score']).to.deep.equal(Array.from({ length: 10 }, (_, i) => 499 - i));
      const hash = await ask({ command: 'HGETALL', key: 'hash' });
      expect(hash.meta).to.deep.equal({ truncated: true });
      expect(hash.fields).to.have.length(1 + maxRows);
      expect((await argsOf('HSCAN')).slice(3)).to.deep.equal(['COUNT', '11']);
    });
  });
});
