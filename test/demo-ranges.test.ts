/**
 * The bundled demo dashboard as a newcomer sees it, through a real server and real clients: its charts are
 * range charts the picker drives; the demo source computes any range at its bucket, the same data for the
 * same range, within max_points; a relative range stays live.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundledDashboardDir } from '../core/paths.js';
import { connect, type Message, type TestClient } from './support/ws-client.js';
import { startTestServer, until, type TestServer } from './support/test-server.js';

type Frame = { fields: { name: string; values: number[] }[] };
type Entry = { w: string; status: string; op?: string; frame?: Frame; state?: Frame };

const DEMO = readFileSync(join(bundledDashboardDir, 'demo.yaml'), 'utf8');
const widgetsOf = (m: Message) => ((m.widgets ?? m.updates ?? []) as Entry[]);
const column = (e: Entry, name: string) => e.frame?.fields.find((f) => f.name === name)?.values ?? [];

/** Every entry of widget `w` with data the client got, oldest first. */
function entries(c: TestClient, w: string): Entry[] {
  return c.messages.flatMap((m) => (m.type === 'snapshot' || m.type === 'update' ? widgetsOf(m) : [])).filter((e) => e.w === w && column(e, 'time').length > 0);
}

async function watch(t: TestServer, range: { from: string; to: string }, region = 'all'): Promise<TestClient> {
  const c = await connect(t.wsUrl);
  c.send({ type: 'subscribe', dashboard: 'demo', vars: { region }, range });
  await c.nextOf('snapshot');
  return c;
}

describe('the bundled demo dashboard over time ranges', function () {
  this.timeout(30_000);
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ 'demo.yaml': DEMO });
  });
  after(() => t.stop());

  it('answers last week at a one-hour bucket, the same for two viewers, within max_points', async () => {
    const to = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
    const range = { from: new Date(to - 7 * 86_400_000).toISOString(), to: new Date(to).toISOString() };
    const a = await watch(t, range);
    const b = await watch(t, range, 'eu');
    const c = await watch(t, range, 'eu');
    await until(() => entries(a, 'revenue').length > 0 && entries(b, 'revenue').length > 0 && entries(c, 'response-time').length > 0, 5000, 'range answers');
    const snapshot = a.messages.find((m) => m.type === 'snapshot')!;
    expect(snapshot.range).to.include({ live: false, bucket: 3600 });
    // A range chart's frame is the whole range: the client is not told a keep to cut it by; a stat still is.
    const defs = (snapshot.definition as { widgets: { id: string; keep?: unknown }[] }).widgets;
    expect(defs.find((w) => w.id === 'revenue')).to.not.have.property('keep');
    expect(defs.find((w) => w.id === 'revenue-now')).to.have.property('keep');
    const revenue = entries(a, 'revenue')[0]!;
    const times = column(revenue, 'time');
    expect(revenue.op).to.equal('replace');
    expect(times.length).to.be.within(167, 168); // 7 days at one hour: 168 points (max_points 600 would allow 15 minutes: 672)
    expect(times.every((x) => x % 3_600_000 === 0)).to.equal(true);
    // Another region is other data; the same region and range, the same data.
    expect(column(entries(b, 'revenue')[0]!, 'revenue')).to.not.deep.equal(column(revenue, 'revenue'));
    const again = await watch(t, range, 'eu');
    await until(() => entries(again, 'response-time').length > 0, 5000, 'the same range again');
    expect(entries(again, 'response-time')[0]!.frame).to.deep.equal(entries(c, 'response-time')[0]!.frame);
    await Promise.all([a, b, c, again].map((x) => x.close()));
  });

  it('keeps the default relative range live: the chart ends at now and moves', async () => {
    const c = await watch(t, { from: 'now-15m', to: 'now' });
    expect(c.messages.find((m) => m.type === 'snapshot')!.range).to.include({ live: true, bucket: 5 });
    await until(() => entries(c, 'active-users').length >= 3, 6000, 'three runs of active users');
    const [first, , third] = entries(c, 'active-users');
    // The chart as the viewer holds it after each run (an update carries only the rows that came and went).
    const times = (e: Entry) => e.state?.fields.find((f) => f.name === 'time')?.values ?? column(e, 'time');
    const ends = [first!, third!].map((e) => times(e).at(-1)!);
    expect(ends[1]!).to.be.greaterThan(ends[0]!);
    expect(Math.abs(ends[1]! - Date.now())).to.be.below(3000);
    expect(times(third!).length).to.be.within(178, 180); // 15 minutes at 5 s, the last point at now
    expect(third!.op, 'a sliding window sends its new rows').to.equal('append');
    await c.close();
  });
});
