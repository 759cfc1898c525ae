/**
 * Time ranges against the real Redis (docs/time.md, "Bucketing, per dialect"): the documented Redis dashboard,
 * taken from the doc as written, runs on a `redis` source whose key_prefix is this run's own, over a sorted set
 * scored by time and a stream with a point a minute for three hours. A viewer's fixed range gets exactly the
 * points from :from to :to, both ends included, and a relative range those of its window.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import { Redis } from 'ioredis';
import { packageRoot } from '../core/paths.js';
import { SERVICES, needService } from './support/services.js';
import { connect, type Message, type TestClient } from './support/ws-client.js';
import { startTestServer, until, type TestServer } from './support/test-server.js';

type Entry = { w: string; status: string; error?: unknown; frame?: { fields: { name: string; values: (number | string | null)[] }[] } };

const MINUTE = 60_000;

/** The documented Redis dashboard: the ```yaml block of docs/time.md with `id: checkouts-redis`. */
function documentedDashboard(): string {
  const text = readFileSync(join(packageRoot, 'docs', 'time.md'), 'utf8');
  const block = [...text.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]!).find((b) => b.startsWith('id: checkouts-redis\n'));
  if (block === undefined) throw new Error('docs/time.md has no Redis dashboard (id: checkouts-redis)');
  return block;
}

const entries = (m: Message) => ((m.widgets ?? m.updates ?? []) as Entry[]);
const column = (e: Entry, name: string) => e.frame!.fields.find((f) => f.name === name)!.values;

/** The first state of widget `w` with data (or an error), from snapshots and updates; it must be ok. */
async function firstData(c: TestClient, w: string): Promise<Entry> {
  const found = (): Entry | undefined =>
    c.messages
      .filter((x) => x.type === 'snapshot' || x.type === 'update')
      .flatMap(entries)
      .find((e) => e.w === w && (e.status === 'error' || (e.frame?.fields[0]?.values.length ?? 0) > 0));
  await until(() => found() !== undefined, 10_000, `data for ${w}`);
  const entry = found()!;
  expect(entry.status, JSON.stringify(entry.error)).to.equal('ok');
  return entry;
}

describe('time ranges on the real Redis', function () {
  this.timeout(30_000);
  const prefix = `rtdash-test:${randomUUID()}:`;
  /** One point a minute over the three hours before the suite starts (not when the file is loaded), on whole minutes. */
  let last = 0;
  let times: number[] = [];
  const totalAt = (t: number) => ((t / MINUTE) % 97) + 0.5;
  const msAt = (t: number) => (t / MINUTE) % 300;
  let admin: Redis;
  let t: TestServer;

  before(async function () {
    await needService(this, 'redis');
    last = Math.floor(Date.now() / MINUTE) * MINUTE;
    times = Array.from({ length: 180 }, (_, i) => last - (179 - i) * MINUTE);
    admin = new Redis(SERVICES.redis.url);
    const write = admin.multi();
    for (const time of times) {
      write.zadd(`${prefix}shop:checkouts`, time, JSON.stringify({ id: `o-${time}`, total: totalAt(time) }));
      write.xadd(`${prefix}shop:payments`, `${time}-0`, 'ms', String(msAt(time)));
    }
    await write.exec();
    t = await startTestServer({ 'checkouts.yaml': documentedDashboard() }, {}, false, {
      datasources: [{ name: 'live', type: 'redis', options: { url: SERVICES.redis.url, key_prefix: prefix } }],
    });
  });
  after(async () => {
    await t?.stop();
    await admin?.del(`${prefix}shop:checkouts`, `${prefix}shop:payments`);
    admin?.disconnect();
  });

  it('gives a fixed range exactly the points from :from to :to, ends included, from the sorted set and the stream', async () => {
    const fromMs = last - 120 * MINUTE;
    const toMs = last - 60 * MINUTE;
    const inRange = times.filter((x) => x >= fromMs && x <= toMs);
    expect(inRange).to.have.length(61);
    const c = await connect(t.wsUrl);
    try {
      c.send({ type: 'subscribe', dashboard: 'checkouts-redis', range: { from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() } });
      const snap = await c.nextOf('snapshot');
      expect(snap.range).to.include({ live: false, fromMs, toMs });
      const totals = await firstData(c, 'totals');
      expect(column(totals, 'time')).to.deep.equal(inRange);
      expect(column(totals, 'total')).to.deep.equal(inRange.map(totalAt));
      const payments = await firstData(c, 'payments');
      expect(column(payments, 'time')).to.deep.equal(inRange);
      expect(column(payments, 'ms')).to.deep.equal(inRange.map(msAt));
    } finally {
      await c.close();
    }
  });

  it('gives a relative range the points of its window', async () => {
    const c = await connect(t.wsUrl);
    try {
      c.send({ type: 'subscribe', dashboard: 'checkouts-redis', range: { from: 'now-1h', to: 'now' } });
      await c.nextOf('snapshot');
      const totals = await firstData(c, 'totals');
      const got = column(totals, 'time') as number[];
      const window = times.filter((x) => x >= got[0]!);
      expect(got).to.deep.equal(window);
      expect(got.length).to.be.within(59, 61); // the last hour of one-a-minute points, however the run's now falls
      expect(column(await firstData(c, 'payments'), 'time')).to.deep.equal(got);
    } finally {
      await c.close();
    }
  });
});
