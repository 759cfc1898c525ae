/**
 * Fault: one address opening streams of every kind. WebSocket connections, SSE streams and long-poll
 * sessions share one budget, max_connections_per_ip: long-poll sessions made without `session=`
 * cannot pile up (17,701 from one address used to be accepted), and a slot freed by one kind serves another.
 */
import { expect } from 'chai';
import { errorOf, request } from '../support/http-client.js';
import { streamGauges } from '../support/server-metrics.js';
import { until } from '../support/served-cli.js';
import { startTestServer, testDashboard } from '../support/test-server.js';
import { TestClient, connect } from '../support/ws-client.js';

describe('fault: WebSocket, SSE and long polls from one address', function () {
  this.timeout(60_000);

  it('share max_connections_per_ip', async () => {
    const t = await startTestServer({ 'ok.yaml': testDashboard('ok', { a: { behave: 'counter', tag: 'per-ip' } }, '1s') }, { maxConnectionsPerIp: 3 });
    const url = (path: string) => `${t.server.url}${path}`;
    const poll = (query = '') => request(url(`/api/poll?dashboard=ok&wait=0${query}`));
    let sse: ReturnType<typeof request> | undefined;
    try {
      const ws = await connect(t.wsUrl);
      sse = request(url('/sse?dashboard=ok'), {}, { readMs: 30_000 }); // held open until the server stops
      await until('the SSE stream to be counted', async () => (await streamGauges(t.server.url)).connections === 2, 5000);
      const first = await poll();
      expect(first.status).to.equal(200);
      const session = (JSON.parse(first.body) as { session: string }).session;

      // The budget is spent: a poll without a session, a WebSocket and an SSE stream are all refused alike.
      const polls = await Promise.all(Array.from({ length: 50 }, () => poll()));
      expect(polls.map((p) => p.status)).to.deep.equal(Array(50).fill(429));
      expect(errorOf(polls[0]!).code).to.equal('RTDASH_TOO_MANY_CONNECTIONS');
      const refusedWs = new TestClient(t.wsUrl);
      let wsError = '';
      await refusedWs.opened.catch((err: Error) => (wsError = err.message));
      expect(wsError).to.match(/429/);
      const refusedSse = await request(url('/sse?dashboard=ok'));
      expect(refusedSse.status).to.equal(429);
      expect((await streamGauges(t.server.url)).connections).to.equal(3);

      // A poll of the session already open takes no new slot.
      expect((await poll(`&session=${session}`)).status).to.equal(200);

      // A WebSocket that closes frees its slot for a long poll.
      await ws.close();
      await until('the closed WebSocket to be counted out', async () => (await streamGauges(t.server.url)).connections === 2, 5000);
      expect((await poll()).status).to.equal(200);
      expect((await poll()).status).to.equal(429);
    } finally {
      await t.stop();
    }
    expect((await sse!).ended, 'the SSE stream ends at shutdown').to.equal(true);
  });
});
