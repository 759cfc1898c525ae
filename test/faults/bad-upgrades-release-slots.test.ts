/**
 * Fault: upgrade requests that `ws` refuses (a wrong Sec-WebSocket-Version, a malformed key). Each was
 * counted against max_connections_per_ip before the handshake was checked and never counted out, so a
 * few of them locked the address out until a restart. Now every refused handshake frees its slot.
 */
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { request } from '../support/http-client.js';
import { leftNothing, metric } from '../support/server-metrics.js';
import { startTestServer, testDashboard } from '../support/test-server.js';
import { TestClient, connectSubscribed } from '../support/ws-client.js';

/** An upgrade request `ws` answers 400 without calling back. */
function badUpgrade(wsUrl: string, headers: Record<string, string>): ReturnType<typeof request> {
  const url = wsUrl.replace(/^ws:/, 'http:');
  return request(url, { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': randomBytes(16).toString('base64'), ...headers });
}

describe('fault: bad WebSocket upgrades', function () {
  this.timeout(30_000);

  it('free their per-IP slot: the address can still connect', async () => {
    const t = await startTestServer({ 'ok.yaml': testDashboard('ok', { a: { behave: 'counter', tag: 'bad-upgrades' } }, '1s') }, { maxConnectionsPerIp: 3 });
    try {
      const refused = await Promise.all([
        ...Array.from({ length: 3 }, () => badUpgrade(t.wsUrl, { 'Sec-WebSocket-Version': '12' })),
        ...Array.from({ length: 3 }, () => badUpgrade(t.wsUrl, { 'Sec-WebSocket-Key': 'not-a-key' })),
      ]);
      expect(refused.map((r) => r.status)).to.deep.equal(Array(6).fill(400));
      expect(await metric(t.server.url, 'rtdash_connection_slots')).to.equal(0);

      // The whole budget is still there, and still a bound.
      const clients = await Promise.all(Array.from({ length: 3 }, () => connectSubscribed(t.wsUrl, 'ok')));
      expect(await metric(t.server.url, 'rtdash_connection_slots')).to.equal(3);
      const fourth = new TestClient(t.wsUrl);
      let error = '';
      await fourth.opened.catch((err: Error) => (error = err.message));
      expect(error).to.match(/429/);
      await Promise.all(clients.map((c) => c.close()));
      await leftNothing(t.server.url);
    } finally {
      await t.stop();
    }
  });
});
