/**
 * Fault matrix, "pool exhaustion": a slow widget holds the only connection of its source's pool. The widget that
 * shares the pool shows an error with a catalogue code while it waits, keeps its data and recovers by itself once
 * the connection is free; a widget on another source is not held up at all; the slow query runs once and its
 * result arrives once. Reads only, on the shared PostgreSQL, with connections named for this run.
 */
import { expect } from 'chai';
import { needService, SERVICES } from '../support/services.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { WidgetViewer } from '../support/widget-viewer.js';

const DASHBOARD = `id: pool
title: Pool
widgets:
  - { id: slow, title: Slow, type: table, source: narrow, every: 1h, keep: 1, timeout: 20s, query: "SELECT pg_sleep(4)::text AS slept, 1 AS one" }
  - { id: quick, title: Quick, type: table, source: narrow, every: 200ms, keep: 1, timeout: 1s, query: "SELECT 2 AS two, clock_timestamp()::text AS at" }
  - { id: other, title: Other, type: table, source: wide, every: 200ms, keep: 1, query: "SELECT 3 AS three, clock_timestamp()::text AS at" }
`;

describe('fault: a slow widget exhausts its source\'s connection pool', function () {
  this.timeout(60_000);
  let app: TestServer | undefined;
  let viewer: WidgetViewer | undefined;
  before(async function () {
    await needService(this, 'postgres');
  });
  after(async () => {
    await viewer?.close();
    await app?.stop();
  });

  it('shows the starved widget waiting, keeps other sources on time, and recovers without repeating anything', async () => {
    const url = SERVICES.postgres.url;
    const name = `rtdash_fault_pool_${process.pid}`;
    app = await startTestServer({ 'pool.yaml': DASHBOARD }, {}, false, {
      datasources: [
        { name: 'narrow', type: 'postgres', options: { url, pool_size: 1, connect_timeout: '1s', application_name: name } },
        { name: 'wide', type: 'postgres', options: { url, application_name: `${name}_wide` } },
      ],
    });
    viewer = await WidgetViewer.open(app.wsUrl, 'pool', 'slow');
    const quick = viewer.widget('quick');
    const other = viewer.widget('other');

    const starved = await quick.until('the starved widget', (e) => e.status === 'error', 5000);
    expect(starved.error?.code, JSON.stringify(starved.error)).to.match(/^RTDASH_[A-Z_]+$/);
    const okBefore = other.entries().filter((e) => e.status === 'ok').length;
    // While the pool is held (about 4 s), the other source answers every 200 ms as usual.
    await other.until('the other source to keep answering', () => other.entries().filter((e) => e.status === 'ok').length >= okBefore + 5, 3000);
    expect(other.entries().filter((e) => e.status === 'error'), 'the other source is not held up').to.deep.equal([]);

    await viewer.until('the slow result', (e) => e.status === 'ok' && viewer!.rows().length === 1, 15_000);
    await quick.until('the starved widget to recover', (e) => e.status === 'ok' && quick.rows().length === 1, 15_000);
    expect(quick.rows()[0]?.['two']).to.equal(2);
    expect(viewer.entries().filter((e) => e.status === 'ok' && e.frame !== undefined && e.frame.fields.length > 0), 'the slow query ran once').to.have.length(1);
    for (const widget of [viewer, quick, other]) widget.expectConsistent();
  });
});
