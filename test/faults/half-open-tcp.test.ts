/**
 * Fault: a client vanishes without a FIN (its network went away): nothing more comes from it, not even
 * pongs. The heartbeat drops it, its viewer and its job go away (as /metrics shows), and a client that
 * answers pings keeps its connection and every update.
 */
import { expect } from 'chai';
import { connect, connectSubscribed } from '../support/ws-client.js';
import { contiguousSeqs } from '../support/seq-check.js';
import { streamGauges } from '../support/server-metrics.js';
import { TcpProxy } from '../support/tcp-proxy.js';
import { startTestServer, testDashboard, type TestServer } from '../support/test-server.js';
import { until } from '../support/served-cli.js';

const HEARTBEAT_MS = 200;

describe('fault: half-open TCP', function () {
  this.timeout(20_000);
  let t: TestServer;
  let proxy: TcpProxy;
  before(async () => {
    t = await startTestServer(
      {
        'kept.yaml': testDashboard('kept', { a: { behave: 'counter', tag: 'half-open-kept' } }, '100ms'),
        'lone.yaml': testDashboard('lone', { b: { behave: 'counter', tag: 'half-open-lone' } }, '100ms'),
      },
      { heartbeatMs: HEARTBEAT_MS },
    );
    proxy = await TcpProxy.onFreePort({ host: '127.0.0.1', port: t.server.port });
    await proxy.open();
  });
  after(async () => {
    await proxy.close();
    await t.stop();
  });

  it('drops the vanished client at the heartbeat, with its viewer and job, and keeps the one that answers', async () => {
    const alive = await connectSubscribed(t.wsUrl, 'kept');
    const vanishing = await connect(`ws://127.0.0.1:${proxy.port}/ws`);
    vanishing.send({ type: 'subscribe', dashboard: 'lone' });
    await vanishing.nextOf('snapshot');
    await vanishing.nextOf('update');
    expect(await streamGauges(t.server.url)).to.deep.equal({ connections: 2, viewers: 2, jobs: 2, slots: 2 });

    // From now on nothing the client sends reaches the server, and the connection is never closed from its side.
    proxy.stall(true);
    const stalledAt = Date.now();
    await until('the heartbeat to drop the vanished client', async () => (await streamGauges(t.server.url)).connections === 1, 5000);
    // One interval to send a ping, one more to find it unanswered.
    expect(Date.now() - stalledAt).to.be.below(HEARTBEAT_MS * 2 + 1000);
    await until('its job to stop', async () => (await streamGauges(t.server.url)).jobs === 1, 2000);
    expect(await streamGauges(t.server.url)).to.deep.equal({ connections: 1, viewers: 1, jobs: 1, slots: 1 });
    expect(t.server.scheduler.jobs().map((j) => j.key.split('/')[0])).to.deep.equal(['kept']);

    // The client that answers pings stayed, and lost nothing: several heartbeats passed meanwhile.
    const count = alive.messages.length;
    await until('more updates', () => alive.messages.length > count + 3, 3000);
    expect(alive.closeCode).to.equal(undefined);
    expect(contiguousSeqs(alive.messages).get('a')!.length).to.be.greaterThan(5);
    await alive.close();
  });

  it('drops a client that reads but never answers a ping (1006: no close handshake with a dead peer)', async () => {
    const dead = await connect(t.wsUrl, { autoPong: false });
    expect(await dead.closed).to.equal(1006);
    await until('the connection to be forgotten', async () => (await streamGauges(t.server.url)).connections === 0, 2000);
  });
});
