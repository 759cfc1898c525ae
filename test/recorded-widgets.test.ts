/**
 * Recorded widgets through a real server and real clients (docs/time.md, "Recorded widgets"): the job of a
 * widget with `record:` runs with nobody watching, a viewer who comes later gets the history at once, a range
 * over it is served from the recorded points (the source, switched to failing, is not asked for the past),
 * a restart on the same data folder keeps the points, and a corrupt or torn series file does not stop the server;
 * with `cluster.redis` the points are in Redis, and a server on another data folder serves them.
 */
import { expect } from 'chai';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { bundledDashboardDir } from '../core/paths.js';
import { SERVICES, needService } from './support/services.js';
import { calls, failing } from './support/test-plugin.js';
import { connect, type Message, type TestClient } from './support/ws-client.js';
import { sleep, startTestServer, until, type TestServer } from './support/test-server.js';
import { deleteUnder } from './support/redis-scratch.js';

type Entry = { w: string; status: string; op?: string; frame?: { fields: { name: string; values: number[] }[] } };

const widgetsOf = (m: Message) => ((m.widgets ?? m.updates ?? []) as Entry[]);
const column = (e: Entry, name: string) => e.frame?.fields.find((f) => f.name === name)?.values ?? [];

/** A dashboard with `time:` whose chart and stat record the same query (one series, one job). */
const recordedTimed = (tag: string) => `id: rec
title: Recorded
time: { default: 15m, choices: [5m, 15m, 1h], max: 24h, max_points: 600 }
widgets:
  - { id: chart, title: Chart, type: line, source: test, query: { behave: counter, tag: ${tag} }, every: 100ms, record: 1h }
  - { id: stat, title: Stat, type: stat, source: test, query: { behave: counter, tag: ${tag} }, every: 100ms, keep: 5, record: 1h }
`;

/** A dashboard without `time:`: a recorded chart shows its `keep` window. */
const recordedPlain = (tag: string) => `id: plain
title: Plain
widgets:
  - { id: chart, title: Chart, type: line, source: test, query: { behave: counter, tag: ${tag} }, every: 100ms, keep: 1h, record: 1h }
`;

/** The first entry of widget `w` with data among every message the client got (snapshot or update). */
async function firstData(c: TestClient, w: string, timeoutMs = 5000): Promise<Entry> {
  const find = () => c.messages.flatMap((m) => (m.type === 'snapshot' || m.type === 'update' ? widgetsOf(m) : [])).find((e) => e.w === w && column(e, 'time').length > 0);
  await until(() => find() !== undefined, timeoutMs, `data for ${w}`);
  return find()!;
}

describe('recorded widgets', function () {
  this.timeout(30_000);

  describe('on one server', () => {
    let t: TestServer;
    before(async () => {
      t = await startTestServer({ 'rec.yaml': recordedTimed('rec-a') });
    });
    after(async () => {
      failing.delete('rec-a');
      await t.stop();
    });

    it('runs a recorded widget with nobody watching, one query per tick for the widgets that share it', async () => {
      const before = calls.get('rec-a') ?? 0;
      await sleep(1000);
      const ran = (calls.get('rec-a') ?? 0) - before;
      // Two widgets record the same query every 100 ms: one job, about ten runs a second, and no viewer's job.
      expect(ran).to.be.within(7, 12);
      expect(t.server.scheduler.size).to.equal(0);
      const metrics = await (await fetch(`${t.server.url}/metrics`)).text();
      expect(metrics).to.match(/^rtdash_recorded_series 1$/m);
      expect(Number(/^rtdash_recorded_points (\d+)$/m.exec(metrics)?.[1])).to.be.at.least(7);
    });

    it('gives a viewer who comes later the history at once, from the record, not from the source', async () => {
      await sleep(500);
      failing.add('rec-a'); // from now on the source fails: what the viewer gets can only come from the record
      const subscribedAt = Date.now();
      const c = await connect(t.wsUrl);
      c.send({ type: 'subscribe', dashboard: 'rec', range: { from: 'now-5m', to: 'now' } });
      const snapshot = await c.nextOf('snapshot');
      expect(snapshot.range).to.include({ live: true, bucket: 1 });
      const chart = await firstData(c, 'chart', 1000);
      const times = column(chart, 'time');
      expect(chart.status).to.equal('ok');
      expect(chart.op).to.equal('replace');
      // 1-second buckets of 100 ms points: whole seconds, going back past the moment of subscribing.
      expect(times.every((x) => x % 1000 === 0)).to.equal(true);
      expect(times.length).to.be.within(2, 300);
      expect(times[0]!).to.be.below(subscribedAt - 1000);
      const stat = await firstData(c, 'stat', 1000);
      // The stat keeps its 5 points, as recorded (100 ms apart), not bucketed.
      expect(column(stat, 'time')).to.have.length(5);
      expect(column(stat, 'time')[1]! - column(stat, 'time')[0]!).to.be.within(50, 200);
      // The recording fails meanwhile: after the history, the viewer is told, and keeps the data it has.
      const statuses = () => c.messages.flatMap((m) => (m.type === 'update' ? widgetsOf(m) : [])).filter((e) => e.w === 'chart').map((e) => e.status);
      await until(() => statuses().includes('error'), 2000, 'the recording\'s error');
      failing.delete('rec-a');
      await until(() => statuses().lastIndexOf('ok') > statuses().indexOf('error'), 2000, 'recovery');
      await c.close();
    });

    it('serves a fixed range in the past from the record, in its buckets, within max_points', async () => {
      const to = Date.now() - 200;
      const from = to - 60_000;
      failing.add('rec-a');
      const c = await connect(t.wsUrl);
      c.send({ type: 'subscribe', dashboard: 'rec', range: { from: String(from), to: String(to) } });
      const snapshot = await c.nextOf('snapshot');
      expect(snapshot.range).to.include({ live: false, bucket: 1 });
      const chart = await firstData(c, 'chart', 2000);
      const times = column(chart, 'time');
      expect(times.length).to.be.within(2, 60);
      expect(times.every((x) => x % 1000 === 0 && x <= to && x >= from - 1000)).to.equal(true);
      // Each bucket's value is the mean of the counter values recorded in it: between the neighbours'.
      const values = column(chart, 'value');
      expect(values.every((v) => typeof v === 'number')).to.equal(true);
      await c.close();
      failing.delete('rec-a');
    });
  });

  it('opens the bundled system dashboard with what was recorded before anyone watched, and a range picker', async () => {
    const t = await startTestServer({ 'system.yaml': readFileSync(join(bundledDashboardDir, 'system.yaml'), 'utf8') });
    try {
      await sleep(3500);
      const c = await connect(t.wsUrl);
      c.send({ type: 'subscribe', dashboard: 'system', range: { from: 'now-5m', to: 'now' } });
      const snapshot = await c.nextOf('snapshot');
      expect((snapshot.definition as { time?: { choices: string[] } }).time?.choices).to.include('24h');
      // CPU every second for 3.5 s before the viewer came: its first answer already has those points.
      const cpu = await firstData(c, 'cpu', 1500);
      expect(column(cpu, 'time').length).to.be.at.least(3);
      expect(column(cpu, 'time')[0]!).to.be.below(Date.now() - 2500);
      await c.close();
    } finally {
      await t.stop();
    }
  });

  it('starts recording a widget that gains record: in a reload, and stops when it loses it', async () => {
    const unrecorded = recordedPlain('rec-reload').replace(', record: 1h', '');
    const t = await startTestServer({ 'plain.yaml': unrecorded }, {}, true);
    try {
      await sleep(400);
      expect(calls.get('rec-reload') ?? 0).to.equal(0);
      t.write('plain.yaml', recordedPlain('rec-reload'));
      await until(() => (calls.get('rec-reload') ?? 0) >= 5, 3000, 'recording after the reload');
      t.write('plain.yaml', unrecorded);
      await sleep(400);
      const stopped = calls.get('rec-reload') ?? 0;
      await sleep(500);
      expect(calls.get('rec-reload')).to.equal(stopped);
    } finally {
      await t.stop();
    }
  });

  it("gives a viewer the newest points when its keep window holds more than the source's max_rows", async () => {
    const yaml = recordedPlain('rec-capped').replace('source: test', 'source: capped');
    const t = await startTestServer({ 'plain.yaml': yaml });
    try {
      await sleep(2500);
      const c = await connect(t.wsUrl);
      c.send({ type: 'subscribe', dashboard: 'plain' });
      const times = column(await firstData(c, 'chart', 1000), 'time');
      // `capped` holds 10 rows a result: the 10 newest of some 25 recorded, ending about now.
      expect(times).to.have.length(10);
      expect(Date.now() - times.at(-1)!).to.be.below(600);
      await c.close();
    } finally {
      await t.stop();
    }
  });

  describe('across restarts', () => {
    let data: string;
    before(() => {
      data = mkdtempSync(join(tmpdir(), 'rtdash-record-'));
    });
    after(() => {
      failing.delete('rec-restart');
      rmSync(data, { recursive: true, force: true });
    });

    it('keeps the points when the server restarts on the same data folder', async () => {
      const first = await startTestServer({ 'plain.yaml': recordedPlain('rec-restart') }, {}, false, { storageDir: data });
      await sleep(1200);
      await first.stop();
      const stoppedAt = Date.now();
      failing.add('rec-restart');
      const second = await startTestServer({ 'plain.yaml': recordedPlain('rec-restart') }, {}, false, { storageDir: data });
      try {
        const c = await connect(second.wsUrl);
        c.send({ type: 'subscribe', dashboard: 'plain' });
        const chart = await firstData(c, 'chart', 1000);
        const times = column(chart, 'time');
        // About 12 points recorded by the first server, all before it stopped.
        expect(times.filter((x) => x <= stoppedAt).length).to.be.within(8, 14);
        await c.close();
      } finally {
        await second.stop();
        failing.delete('rec-restart');
      }
    });

    it('drops a torn last line, and moves a corrupt file aside and starts without it', async () => {
      const records = join(data, 'records');
      const files = () => readdirSync(records).filter((f) => f.endsWith('.jsonl'));
      expect(files()).to.have.length(1);
      const file = join(records, files()[0]!);
      appendFileSync(file, '[1234'); // a crash in the middle of an append
      const torn = await startTestServer({ 'plain.yaml': recordedPlain('rec-restart') }, {}, false, { storageDir: data });
      try {
        const c = await connect(torn.wsUrl);
        c.send({ type: 'subscribe', dashboard: 'plain' });
        expect(column(await firstData(c, 'chart', 1000), 'time').length).to.be.at.least(8);
        await c.close();
      } finally {
        await torn.stop();
      }
      writeFileSync(file, '{"format": 1, "key": "not this one"\n[1, 2]\n');
      const t = await startTestServer({ 'plain.yaml': recordedPlain('rec-restart') }, {}, false, { storageDir: data });
      try {
        expect(readdirSync(records).some((f) => f.includes('.jsonl.corrupt-'))).to.equal(true);
        const c = await connect(t.wsUrl);
        c.send({ type: 'subscribe', dashboard: 'plain' });
        // It starts over: the first points are new ones.
        const chart = await firstData(c, 'chart', 2000);
        expect(column(chart, 'time').length).to.be.within(1, 5);
        await c.close();
      } finally {
        await t.stop();
      }
      await until(() => existsSync(file), 1000, 'the series file written again');
    });
  });

  describe('with cluster.redis', () => {
    let admin: Redis;
    const prefix = `rtdash-test:${randomUUID()}`;
    const folders: string[] = [];
    const serverOn = () => {
      const data = mkdtempSync(join(tmpdir(), 'rtdash-record-'));
      folders.push(data);
      const cluster = { redis: SERVICES.redis.url, prefix, leaseTtlMs: 10_000 };
      return startTestServer({ 'plain.yaml': recordedPlain('rec-redis') }, {}, false, { storageDir: data, cluster, storageType: 'redis' });
    };
    before(async function () {
      await needService(this, 'redis');
      admin = new Redis(SERVICES.redis.url);
    });
    after(async () => {
      failing.delete('rec-redis');
      for (const f of folders) rmSync(f, { recursive: true, force: true });
      if (admin === undefined) return;
      await deleteUnder(admin, prefix);
      admin.disconnect();
    });

    it('keeps the points in Redis, so a server on another data folder (a restart elsewhere, another instance) serves them', async () => {
      const first = await serverOn();
      await sleep(1200);
      await first.stop();
      const stoppedAt = Date.now();
      expect(existsSync(join(folders[0]!, 'records'))).to.equal(false); // in Redis, not in the folder
      const sets = await admin.keys(`${prefix}:records:*`);
      const set = sets.find((k) => !k.endsWith(':header') && !k.endsWith(':writer'))!;
      expect(await admin.zcard(set)).to.be.within(8, 14);
      failing.add('rec-redis'); // the second server's source answers nothing: what it shows comes from Redis
      const second = await serverOn();
      try {
        const c = await connect(second.wsUrl);
        c.send({ type: 'subscribe', dashboard: 'plain' });
        const times = column(await firstData(c, 'chart', 3000), 'time');
        expect(times.filter((x) => x <= stoppedAt).length).to.be.within(8, 14);
        await c.close();
      } finally {
        await second.stop();
      }
    });
  });
});
