/** What clients and plugins can throw at the stream, and that the server keeps serving through it. */
import { expect } from 'chai';
import { connect, type Message } from './support/ws-client.js';
import { startTestServer, testDashboard, sleep, until, type TestServer, VARS_DASHBOARD } from './support/test-server.js';

type Entry = { w: string; seq: number; status: string; error?: { code: string; message: string } };

describe('stream: bad input from clients', function () {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({
      'ok.yaml': testDashboard('ok', { a: { behave: 'counter', tag: 'bad-ok' } }, '100ms'),
      'vars.yaml': VARS_DASHBOARD,
    });
  });
  after(() => t.stop());

  async function subscribed() {
    const c = await connect(t.wsUrl);
    c.send({ type: 'subscribe', dashboard: 'ok' });
    await c.nextOf('snapshot');
    return c;
  }

  async function stillServes(c: Awaited<ReturnType<typeof connect>>) {
    await c.nextOf('update', 3000);
    expect(c.closeCode).to.equal(undefined);
  }

  const cases: [string, string | object, string][] = [
    ['text that is not JSON', '{not json', 'RTDASH_BAD_MESSAGE'],
    ['a JSON value that is not an object', '[1,2,3]', 'RTDASH_BAD_MESSAGE'],
    ['an unknown type', { type: 'explode' }, 'RTDASH_UNKNOWN_MESSAGE_TYPE'],
    ['an unknown dashboard', { type: 'subscribe', dashboard: 'nope' }, 'RTDASH_DASHBOARD_NOT_FOUND'],
    ['a variable value outside the options', { type: 'subscribe', dashboard: 'vars', vars: { region: "eu' OR 1=1" } }, 'RTDASH_VARIABLE_INVALID'],
    ['an undeclared variable', { type: 'subscribe', dashboard: 'vars', vars: { other: 'x' } }, 'RTDASH_VARIABLE_INVALID'],
    ['a variable that is not a string', { type: 'subscribe', dashboard: 'vars', vars: { region: ['eu'] } }, 'RTDASH_VARIABLE_INVALID'],
    ['a subscribe without a dashboard', { type: 'subscribe' }, 'RTDASH_BAD_MESSAGE'],
    ['resume positions that are not integers', { type: 'subscribe', dashboard: 'ok', resume: { a: 'x' } }, 'RTDASH_BAD_MESSAGE'],
    ['an unsubscribe from a dashboard not watched', { type: 'unsubscribe', dashboard: 'vars' }, 'RTDASH_NOT_SUBSCRIBED'],
    ['a __proto__ key in vars', '{"type":"subscribe","dashboard":"vars","vars":{"__proto__":{"region":"us"}}}', 'RTDASH_VARIABLE_INVALID'],
  ];
  for (const [what, message, code] of cases) {
    it(`answers ${what} with ${code} and keeps serving`, async () => {
      const c = await subscribed();
      c.send(message);
      const err = await c.nextOf('error');
      expect(err.code).to.equal(code);
      expect(err.message).to.be.a('string').and.not.equal('');
      await stillServes(c);
      await c.close();
    });
  }

  it('leaves no job, view, timer or listener after 10,000 subscribe/unsubscribe cycles', async function () {
    this.timeout(60_000);
    await sleep(300); // let jobs of earlier tests stop
    const timersBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const c = await connect(t.wsUrl);
    for (let i = 0; i < 10_000; i++) {
      c.send({ type: 'subscribe', dashboard: 'vars', vars: { region: i % 2 ? 'eu' : 'us' } });
      c.send({ type: 'unsubscribe', dashboard: 'vars' });
      if (i % 500 === 0) await sleep(1);
    }
    c.send({ type: 'ping' });
    await c.nextOf('pong', 20_000);
    expect(c.messages.filter((m) => m.type === 'error')).to.deep.equal([]);
    expect(t.server.hub.viewCount).to.equal(0);
    await until(() => t.server.scheduler.size === 0, 2000, 'every job to stop');
    const job = t.server.scheduler.jobs()[0];
    expect(job).to.equal(undefined);
    await c.close();
    await sleep(50);
    expect(t.server.hub.connections).to.equal(0);
    const timersAfter = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    expect(timersAfter).to.be.at.most(timersBefore);
    expect(t.server.http.listenerCount('upgrade')).to.equal(1);
  });
});

describe('stream: plugins that fail', function () {
  let t: TestServer;
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  before(async () => {
    process.on('unhandledRejection', onUnhandled);
    t = await startTestServer({
      'failing.yaml': `id: failing
title: Failing
widgets:
  - { id: good, title: Good, type: line, source: test, query: { behave: counter, tag: fail-good }, every: 100ms }
  - { id: throws, title: Throws, type: line, source: test, query: { behave: throw }, every: 100ms }
  - { id: rejects, title: Rejects, type: line, source: test, query: { behave: reject }, every: 100ms }
  - { id: hangs, title: Hangs, type: line, source: fast, query: { behave: hang }, every: 100ms }
  - { id: malformed, title: Malformed, type: line, source: test, query: { behave: malformed }, every: 100ms }
`,
    });
  });
  after(async () => {
    process.off('unhandledRejection', onUnhandled);
    await t.stop();
  });

  it('shows each failure as an error status with its code and sentence while other widgets and viewers carry on', async function () {
    this.timeout(10_000);
    const c = await connect(t.wsUrl);
    const other = await connect(t.wsUrl);
    c.send({ type: 'subscribe', dashboard: 'failing' });
    other.send({ type: 'subscribe', dashboard: 'failing' });
    await c.nextOf('snapshot');
    const errors = new Map<string, Entry['error']>();
    let goodUpdates = 0;
    while (errors.size < 4 || goodUpdates < 3) {
      for (const u of (await c.nextOf('update')).updates as Entry[]) {
        if (u.status === 'error') errors.set(u.w, u.error);
        if (u.w === 'good' && u.status === 'ok') goodUpdates++;
      }
    }
    expect(errors.get('throws')).to.deep.equal({ code: 'RTDASH_QUERY_FAILED', message: 'the query failed' });
    expect(errors.get('rejects')).to.deep.equal({ code: 'RTDASH_QUERY_FAILED', message: 'the query failed' });
    expect(errors.get('hangs')).to.deep.equal({ code: 'RTDASH_QUERY_TIMEOUT', message: 'the query timed out' });
    expect(errors.get('malformed')).to.deep.equal({ code: 'RTDASH_FRAME_MALFORMED', message: 'the source returned data that is not a frame' });
    // The full messages stay on the server, for the log and admins.
    const detail = (w: string) => t.server.scheduler.jobs().find((j) => j.key.startsWith(`failing/${w}`))?.history.errorDetail;
    expect(detail('throws')).to.equal('test "test": the test source throws synchronously');
    expect(detail('rejects')).to.equal('test "test": the test source rejects');
    expect(detail('hangs')).to.match(/timed out after 300 ms/);
    expect(detail('malformed')).to.match(/fields\[1\] \("b"\) has 1 values but fields\[0\] has 2/);
    await other.next((m: Message) => m.type === 'update' && (m.updates as Entry[]).some((u) => u.w === 'good'));
    expect(unhandled).to.deep.equal([]);
    const metrics = await (await fetch(`${t.server.url}/metrics`)).text();
    expect(metrics).to.match(/rtdash_queries_total\{source="fast",outcome="timeout"\} [1-9]/);
    expect(metrics).to.match(/rtdash_queries_total\{source="test",outcome="malformed"\} [1-9]/);
    await Promise.all([c.close(), other.close()]);
  });

  it('backs off a failing job instead of querying it every tick', async () => {
    await sleep(300); // the jobs of the previous test stop
    const c = await connect(t.wsUrl);
    c.send({ type: 'subscribe', dashboard: 'failing' });
    await c.nextOf('snapshot');
    await sleep(1500);
    const throws = t.server.scheduler.jobs().find((j) => j.key.startsWith('failing/throws'))!;
    // 15 ticks in 1.5 s; with back-off doubling from 100 ms only a handful of them run.
    expect(throws.failures).to.be.within(3, 6);
    const good = t.server.scheduler.jobs().find((j) => j.key.startsWith('failing/good'))!;
    expect(good.failures).to.equal(0);
    await c.close();
  });

  it('recovers by itself once the source answers again, keeping the time of the last good data', async function () {
    this.timeout(10_000);
    t.write('flaky.yaml', `id: flaky
title: Flaky
widgets:
  - { id: f, title: F, type: line, source: test, query: { behave: flaky, failures: 3, tag: flaky }, every: 100ms }
`);
    await t.server.store.reload();
    const c = await connect(t.wsUrl);
    c.send({ type: 'subscribe', dashboard: 'flaky' });
    await c.nextOf('snapshot');
    const failed = (await c.next((m) => m.type === 'update' && (m.updates as Entry[]).some((u) => u.status === 'error'))).updates as Entry[];
    expect(failed[0]!.error!.message).to.equal('the query failed');
    expect(t.server.scheduler.jobs().find((j) => j.key.startsWith('flaky/'))!.history.errorDetail).to.equal('test "test": the test source is down for now');
    const recovered = (await c.next((m) => m.type === 'update' && (m.updates as Entry[]).some((u) => u.status === 'ok'), 5000)).updates as (Entry & { lastGoodAt: number; op: string })[];
    expect(recovered[0]!.op).to.equal('replace');
    expect(recovered[0]!.lastGoodAt).to.be.a('number');
    const job = t.server.scheduler.jobs().find((j) => j.key.startsWith('flaky/'))!;
    expect(job.failures).to.equal(0);
    await c.close();
  });

  it('skips and counts a tick that finds the previous run still going', async function () {
    this.timeout(10_000);
    t.write('overlap.yaml', `id: overlap
title: Overlap
widgets:
  - { id: s, title: S, type: line, source: test, query: { behave: slow, delayMs: 350, tag: overlap }, every: 100ms }
`);
    await t.server.store.reload();
    const c = await connect(t.wsUrl);
    c.send({ type: 'subscribe', dashboard: 'overlap' });
    await c.nextOf('snapshot');
    await sleep(1500);
    const job = t.server.scheduler.jobs().find((j) => j.key.startsWith('overlap/'))!;
    // About 15 ticks in 1.5 s; each run takes 350 ms, so most ticks find it running.
    expect(job.runs).to.be.within(3, 6);
    expect(job.skipped).to.be.at.least(8);
    const metrics = await (await fetch(`${t.server.url}/metrics`)).text();
    expect(metrics).to.match(/rtdash_ticks_skipped_total\{reason="overlap"\} ([89]|[1-9]\d+)/);
    await c.close();
  });
});
