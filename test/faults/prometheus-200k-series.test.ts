/**
 * Fault matrix, "Prometheus endpoint with 200k series": a selector that matches every series of a huge
 * exposition would make a frame of 200,000 columns, sent to every viewer. The source's `max_columns`
 * (1,000 by default) refuses it with RTDASH_FRAME_TOO_WIDE naming the cap; the same check holds for every
 * source (a SQL result wider than its cap), and a narrow selector on the same endpoint keeps working.
 */
import { expect } from 'chai';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { needService, SERVICES } from '../support/services.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { TestClient } from '../support/ws-client.js';

const SERIES = 200_000;

type Entry = { w: string; status: string; error?: { code: string; message: string }; frame?: { fields: unknown[] } };

describe('fault: a Prometheus endpoint with 200k series', function () {
  this.timeout(60_000);
  let exporter: Server;
  let t: TestServer;

  before(async function () {
    await needService(this, 'postgres');
    const lines: string[] = ['# TYPE requests counter', 'requests{path="/only"} 7'];
    for (let i = 0; i < SERIES; i++) lines.push(`hits{id="${i}"} ${i}`);
    const body = lines.join('\n') + '\n';
    exporter = createServer((_req, res) => {
      res.setHeader('Content-Type', 'text/plain; version=0.0.4');
      res.end(body);
    });
    exporter.listen(0, '127.0.0.1');
    await once(exporter, 'listening');
    const url = `http://127.0.0.1:${(exporter.address() as AddressInfo).port}`;
    const widget = (id: string, source: string, query: string) => `  - { id: ${id}, title: ${id}, type: table, source: ${source}, query: ${query}, every: 2s }\n`;
    const wide = Array.from({ length: 11 }, (_, i) => `${i} AS c${i}`).join(', ');
    t = await startTestServer(
      {
        'prom.yaml':
          'id: prom\ntitle: Prom\nwidgets:\n' +
          widget('all', 'prom', '{ format: prometheus, path: /metrics, series: { metric: hits } }') +
          widget('capped', 'prom50', '{ format: prometheus, path: /metrics, series: { metric: hits } }') +
          widget('one', 'prom', '{ format: prometheus, path: /metrics, series: { metric: requests } }') +
          widget('sql', 'pg10', JSON.stringify(`SELECT ${wide}`)),
      },
      {},
      false,
      {
        datasources: [
          { name: 'prom', type: 'http', options: { url, max_bytes: 32 * 1024 * 1024 } },
          { name: 'prom50', type: 'http', maxColumns: 50, options: { url, max_bytes: 32 * 1024 * 1024 } },
          { name: 'pg10', type: 'postgres', maxColumns: 10, options: { url: SERVICES.postgres.url } },
        ],
      },
    );
  });

  after(async () => {
    await t?.stop();
    exporter?.closeAllConnections();
    await new Promise((resolve) => exporter?.close(resolve));
  });

  it('refuses the frame with an error naming the cap, and the narrow widget still gets its data', async () => {
    const client = new TestClient(t.wsUrl);
    await client.opened;
    client.send({ type: 'subscribe', dashboard: 'prom' });
    const seen = new Map<string, Entry>();
    try {
      while (['all', 'capped', 'one', 'sql'].some((id) => seen.get(id)?.status === undefined || seen.get(id)!.status === 'pending')) {
        const m = await client.next((msg) => msg.type === 'snapshot' || msg.type === 'update', 20_000);
        for (const e of (m.widgets ?? m.updates) as Entry[]) if (e.status !== 'pending' && !seen.has(e.w)) seen.set(e.w, e);
      }
    } finally {
      await client.close();
    }
    expect(seen.get('all')!.error).to.deep.equal({
      code: 'RTDASH_FRAME_TOO_WIDE',
      message: '"prom" matched more series than fit in 1000 columns (one per series, plus time), more than its max_columns (1000); select fewer columns or series, or raise max_columns',
    });
    expect(seen.get('capped')!.error!.code).to.equal('RTDASH_FRAME_TOO_WIDE');
    expect(seen.get('capped')!.error!.message).to.include('max_columns (50)');
    expect(seen.get('sql')!.error).to.deep.equal({
      code: 'RTDASH_FRAME_TOO_WIDE',
      message: '"pg10" returned 11 columns, more than its max_columns (10); select fewer columns or series, or raise max_columns',
    });
    expect(seen.get('one')!.status).to.equal('ok');
    expect(seen.get('one')!.frame!.fields).to.have.length(2);
    // Nothing of the huge frame reached the viewer.
    expect(JSON.stringify(client.messages).length).to.be.below(100_000);
  });
});
