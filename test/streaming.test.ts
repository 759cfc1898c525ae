/** The WebSocket stream end to end: real server, real sockets, the test plugin counting queries. */
import { expect } from 'chai';
import { calls, channels } from './support/test-plugin.js';
import { connect, type Message } from './support/ws-client.js';
import { startTestServer, testDashboard, sleep, until, type TestServer, VARS_DASHBOARD } from './support/test-server.js';

type Entry = { w: string; seq: number; status: string; op?: string; at: number; frame?: { fields: { name: string; values: unknown[] }[]; meta?: { truncated?: boolean } }; error?: { code: string; message: string } };

const updatesOf = (m: Message) => m.updates as Entry[];

describe('WebSocket streaming', function () {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({
      'live.yaml': testDashboard('live', { a: { behave: 'counter', tag: 'live-a' }, b: { behave: 'counter', tag: 'live-b' } }, '100ms'),
      'vars.yaml': VARS_DASHBOARD,
    });
  });
  after(() => t.stop());

  it('greets with hello, answers subscribe with a snapshot, then sends updates with growing sequence numbers', async () => {
    const c = await connect(t.wsUrl);
    expect(c.messages[0]).to.include({ type: 'hello', protocol: 2 });
    c.send({ type: 'subscribe', dashboard: 'live' });
    const snap = await c.nextOf('snapshot');
    expect(snap).to.include({ dashboard: 'live', reason: 'subscribe' });
    expect((snap.widgets as Entry[]).map((w) => w.w).sort()).to.deep.equal(['a', 'b']);
    expect((snap.definition as { widgets: object[] }).widgets[0]).to.not.have.property('query');
    const seen = new Map<string, number[]>();
    while ((seen.get('a')?.length ?? 0) < 4) {
      for (const u of updatesOf(await c.nextOf('update'))) seen.set(u.w, [...(seen.get(u.w) ?? []), u.seq]);
    }
    for (const seqs of seen.values()) {
      for (let i = 1; i < seqs.length; i++) expect(seqs[i]).to.equal(seqs[i - 1]! + 1);
    }
    await c.close();
  });

  for (const viewers of [1, 10, 200]) {
    it(`runs exactly one query per tick for ${viewers} viewer(s) of one widget`, async function () {
      this.timeout(30_000);
      const tag = `fan-${viewers}`;
      t.write(`${tag}.yaml`, testDashboard(tag, { w: { behave: 'counter', tag } }, '200ms'));
      await t.server.store.reload();
      const clients = await Promise.all(Array.from({ length: viewers }, () => connect(t.wsUrl)));
      for (const c of clients) c.send({ type: 'subscribe', dashboard: tag });
      await Promise.all(clients.map((c) => c.nextOf('snapshot')));
      const before = calls.get(tag) ?? 0;
      const started = Date.now();
      await sleep(1500);
      const elapsedTicks = (Date.now() - started) / 200;
      const queries = (calls.get(tag) ?? 0) - before;
      const job = t.server.scheduler.jobs().find((j) => j.key.startsWith(`${tag}/w`))!;
      expect(queries).to.be.at.least(Math.floor(elapsedTicks) - 2).and.at.most(Math.ceil(elapsedTicks) + 1);
      expect(calls.get(tag)).to.equal(job.runs);
      // Every viewer saw the same sequence numbers: one query fanned out, not one per viewer.
      const lastSeqs = new Set(clients.map((c) => Math.max(...c.messages.filter((m) => m.type === 'update').flatMap((m) => updatesOf(m).map((u) => u.seq)))));
      expect(lastSeqs.size).to.be.at.most(2);
      await Promise.all(clients.map((c) => c.close()));
    });
  }

  it('gives a reconnecting client exactly the updates it missed, in order, none twice', async () => {
    const keeper = await connect(t.wsUrl); // keeps the job alive while the other client is away
    keeper.send({ type: 'subscribe', dashboard: 'live' });
    await keeper.nextOf('snapshot');
    const first = await connect(t.wsUrl);
    first.send({ type: 'subscribe', dashboard: 'live' });
    const snap = await first.nextOf('snapshot');
    const last: Record<string, number> = {};
    for (const w of snap.widgets as Entry[]) last[w.w] = w.seq;
    for (let i = 0; i < 3; i++) for (const u of updatesOf(await first.nextOf('update'))) last[u.w] = u.seq;
    await first.close();
    await sleep(600);
    const again = await connect(t.wsUrl);
    again.send({ type: 'subscribe', dashboard: 'live', version: snap.version, resume: last });
    const resumed = await again.nextOf('update');
    expect(resumed.resumed).to.equal(true);
    const got: Record<string, number[]> = { a: [], b: [] };
    for (const u of updatesOf(resumed)) {
      expect(u.op).to.equal('append');
      got[u.w]!.push(u.seq);
    }
    for (let i = 0; i < 3; i++) for (const u of updatesOf(await again.nextOf('update'))) got[u.w]!.push(u.seq);
    for (const w of ['a', 'b']) {
      const seqs = got[w]!;
      expect(seqs.length).to.be.greaterThan(4);
      expect(seqs[0]).to.equal(last[w]! + 1);
      seqs.forEach((s, i) => expect(s).to.equal(last[w]! + 1 + i));
    }
    await Promise.all([again.close(), keeper.close()]);
  });

  it('sends the whole state of a widget whose history no longer reaches back', async () => {
    const c = await connect(t.wsUrl);
    const snap = await (c.send({ type: 'subscribe', dashboard: 'live' }), c.nextOf('snapshot'));
    await c.close();
    const again = await connect(t.wsUrl);
    again.send({ type: 'subscribe', dashboard: 'live', version: snap.version, resume: { a: 1, b: 2 } });
    const resumed = await again.nextOf('update');
    expect(updatesOf(resumed).map((u) => u.op)).to.deep.equal(['replace', 'replace']);
    await again.close();
  });

  it('sends a fresh snapshot when the dashboard changed since the client last saw it', async () => {
    const c = await connect(t.wsUrl);
    c.send({ type: 'subscribe', dashboard: 'live', version: 'not-the-current-version', resume: { a: 1 } });
    expect(await c.nextOf('snapshot')).to.include({ reason: 'reload' });
    await c.close();
  });

  it('shares jobs between viewers with the same variable values and separates different ones', async () => {
    const eu = await connect(t.wsUrl);
    const us = await connect(t.wsUrl);
    eu.send({ type: 'subscribe', dashboard: 'vars', vars: { region: 'eu' } });
    us.send({ type: 'subscribe', dashboard: 'vars', vars: { region: 'us' } });
    await Promise.all([eu.nextOf('snapshot'), us.nextOf('snapshot')]);
    const keys = t.server.scheduler.jobs().map((j) => j.key).filter((k) => k.startsWith('vars/'));
    expect(keys).to.have.length(2);
    expect(keys.some((k) => k.endsWith('region=eu'))).to.equal(true);
    expect(keys.some((k) => k.endsWith('region=us'))).to.equal(true);
    await Promise.all([eu.close(), us.close()]);
  });

  it('watches several dashboards over one connection', async () => {
    const c = await connect(t.wsUrl);
    c.send({ type: 'subscribe', dashboard: 'live' });
    c.send({ type: 'subscribe', dashboard: 'vars' });
    const snaps = [await c.nextOf('snapshot'), await c.nextOf('snapshot')];
    expect(snaps.map((s) => s.dashboard).sort()).to.deep.equal(['live', 'vars']);
    await c.next((m) => m.type === 'update' && m.dashboard === 'vars');
    await c.next((m) => m.type === 'update' && m.dashboard === 'live');
    await c.close();
  });

  it('stops a job within one interval after its last viewer leaves', async () => {
    const c = await connect(t.wsUrl);
    c.send({ type: 'subscribe', dashboard: 'vars', vars: { region: 'us' } });
    await c.nextOf('snapshot');
    await c.close();
    await until(() => !t.server.scheduler.jobs().some((j) => j.key.startsWith('vars/') && j.key.endsWith('us')), 300, 'the job to stop');
  });

  it('runs a cron widget on its schedule (seconds field) and stops its timer after the last viewer', async function () {
    this.timeout(10_000);
    t.write('cron.yaml', `id: cron
title: Cron
widgets:
  - { id: c, title: C, type: line, source: test, query: { behave: counter, tag: cron }, cron: "* * * * * *" }
`);
    await t.server.store.reload();
    const c = await connect(t.wsUrl);
    c.send({ type: 'subscribe', dashboard: 'cron' });
    await c.nextOf('snapshot');
    const before = calls.get('cron') ?? 0;
    await sleep(2600);
    const runs = (calls.get('cron') ?? 0) - before;
    expect(runs).to.be.within(2, 3);
    await c.close();
    await until(() => !t.server.scheduler.jobs().some((j) => j.key.startsWith('cron/')), 1500, 'the cron job to stop');
  });

  it('keeps a lone viewer’s data across a reconnect after its job stopped, then sends the whole history', async () => {
    const c = await connect(t.wsUrl);
    c.send({ type: 'subscribe', dashboard: 'vars', vars: { region: 'us' } });
    const snap = await c.nextOf('snapshot');
    const first = (await c.nextOf('update')).updates as Entry[];
    await c.close();
    await until(() => !t.server.scheduler.jobs().some((j) => j.key.startsWith('vars/') && j.key.endsWith('us')), 500, 'the job to stop');
    const again = await connect(t.wsUrl);
    again.send({ type: 'subscribe', dashboard: 'vars', vars: { region: 'us' }, version: snap.version, resume: { w: first.at(-1)!.seq } });
    const resumed = await again.nextOf('update');
    expect(resumed.resumed).to.equal(true);
    // No empty "pending" state that would wipe what the client shows...
    expect(updatesOf(resumed).filter((u) => u.status === 'pending')).to.deep.equal([]);
    // ...and the restarted job's first run replaces it with the whole history.
    const fresh = updatesOf(await again.next((m) => m.type === 'update' && !m.resumed))[0]!;
    expect(fresh.op).to.equal('replace');
    // The restarted job counts from a new starting value: its first entry says so itself, with its seq.
    expect((fresh as Entry & { wire: { seq?: number } }).wire.seq, 'the whole state carries its seq').to.equal(fresh.seq);
    expect(fresh.seq).to.be.greaterThan(first.at(-1)!.seq + 1);
    expect(fresh.frame!.fields[0]!.values.length).to.be.greaterThan(0);
    await again.close();
  });

  it('re-runs a listening widget at once on a pushed change, once per burst, and stops listening with its job', async () => {
    t.write('push.yaml', `id: push
title: Push
widgets:
  - { id: p, title: P, type: line, source: test, query: { behave: counter, tag: push }, every: 1m, listen: orders }
`);
    await t.server.store.reload();
    const c = await connect(t.wsUrl);
    c.send({ type: 'subscribe', dashboard: 'push' });
    await c.nextOf('snapshot');
    await c.nextOf('update'); // the first run
    expect(channels.listenerCount('orders')).to.equal(1);
    const before = calls.get('push')!;
    for (let i = 0; i < 5; i++) channels.emit('orders');
    const pushed = updatesOf(await c.nextOf('update', 2000));
    expect(pushed[0]!.w).to.equal('p');
    await sleep(100);
    expect(calls.get('push')! - before).to.equal(1);
    await c.close();
    // A one-minute job stops at its next tick; the test does not wait for it, the scheduler's stop does.
    await t.server.scheduler.stop();
    expect(channels.listenerCount('orders')).to.equal(0);
  });

  it('cuts a result at the source’s row cap and flags it', async () => {
    const fresh = await startTestServer({ 'cap.yaml': `id: cap
title: Cap
widgets:
  - { id: big, title: Big, type: table, source: capped, query: { behave: big, rows: 50 }, every: 1s }
` });
    try {
      const c = await connect(fresh.wsUrl);
      c.send({ type: 'subscribe', dashboard: 'cap' });
      await c.nextOf('snapshot');
      const [entry] = updatesOf(await c.nextOf('update')) as (Entry & { truncated?: boolean })[];
      expect(entry!.frame!.meta?.truncated, 'the frame says it was cut').to.equal(true);
      expect(entry!.frame!.fields[0]!.values).to.have.length(10);
      await c.close();
    } finally {
      await fresh.stop();
    }
  });
});
