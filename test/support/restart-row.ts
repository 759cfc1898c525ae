/**
 * The fault-matrix rows "a database restarts under a watched dashboard", one shape for every database: a real
 * server with a source on a private database server, a viewer on a real WebSocket, the database stopped (or
 * killed) and started again while rows are written before and after. The viewer must see the outage as an error
 * entry with a catalogue code while keeping its data, come back by itself on the same connection, and end with
 * every row exactly once; a viewer joining afterwards sees the same.
 */
import { expect } from 'chai';
import { MAX_BACKOFF_MS } from '../../core/job.js';
import type { SourceConfig } from '../../core/model.js';
import type { PrivateServer } from './private-server.js';
import { startTestServer, type TestServer } from './test-server.js';
import { WidgetViewer } from './widget-viewer.js';

/** What differs from one database to the next. */
export interface RestartRow {
  /** The private server (from `usePrivateRedis()` and the like). */
  server: () => PrivateServer;
  /** The source's `type` and options, pointing at the server's URL. */
  source(url: string): Omit<SourceConfig, 'name'>;
  /** The widget's query: every row written so far, one row per id. */
  query: unknown;
  /** Writes rows with these ids where the query reads them (creating what it needs the first time). */
  write(url: string, ids: number[]): Promise<void>;
  /** The ids in the viewer's rows, in order. */
  ids(rows: Record<string, unknown>[]): number[];
  /** How the server goes away: `stop` (a clean shutdown) or `kill` (a crash). */
  outage: 'stop' | 'kill';
  /** The server comes back empty (Redis without persistence): its producer writes everything again. */
  forgets?: boolean;
}

/** Registers the row's test in the calling `describe`. */
export function restartRow(row: RestartRow): void {
  let app: TestServer | undefined;
  const viewers: WidgetViewer[] = [];
  afterEach(async () => {
    await Promise.all(viewers.splice(0).map((v) => v.close()));
    await app?.stop();
    app = undefined;
  });

  it(`shows the outage on the widget, keeps its data, and recovers on the same connection with every row once`, async function () {
    this.timeout(MAX_BACKOFF_MS + 60_000);
    const db = row.server();
    await row.write(db.url, [1, 2, 3]);
    app = await startTestServer(
      { 'restart.yaml': `id: restart\ntitle: Restart\nwidgets:\n  - { id: rows, title: Rows, type: table, source: db, every: 200ms, keep: 1, query: ${JSON.stringify(row.query)} }\n` },
      {},
      false,
      { datasources: [{ name: 'db', ...row.source(db.url) }] },
    );
    const viewer = await WidgetViewer.open(app.wsUrl, 'restart', 'rows');
    viewers.push(viewer);
    await viewer.until('the first three rows', (e) => e.status === 'ok' && row.ids(viewer.rows()).length === 3);

    await (row.outage === 'stop' ? db.stop() : db.kill());
    const failed = await viewer.until('the outage', (e) => e.status === 'error');
    expect(row.ids(viewer.rows()), 'the data shown before the outage stays').to.deep.equal([1, 2, 3]);

    await db.start();
    await row.write(db.url, row.forgets === true ? [1, 2, 3, 4, 5] : [4, 5]);
    // A job that kept failing waits longer between tries (doubling, up to MAX_BACKOFF_MS): that bounds the recovery.
    const back = await viewer.until('the rows written after the restart', (e) => e.status === 'ok' && row.ids(viewer.rows()).length === 5, MAX_BACKOFF_MS + 5000);
    expect(back.seq).to.be.above(failed.seq);
    expect(row.ids(viewer.rows()), 'every row once, none lost').to.deep.equal([1, 2, 3, 4, 5]);
    expect(viewer.client.closeCode, 'the same connection throughout').to.equal(undefined);
    viewer.expectConsistent();

    const late = await WidgetViewer.open(app.wsUrl, 'restart', 'rows');
    viewers.push(late);
    await late.until('the rows', (e) => e.status === 'ok' && row.ids(late.rows()).length > 0);
    expect(row.ids(late.rows()), 'a viewer joining afterwards sees the same').to.deep.equal([1, 2, 3, 4, 5]);
  });
}
