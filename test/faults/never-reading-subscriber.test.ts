/**
 * Fault: a client that never reads but keeps sending `subscribe`. Every reply it provokes (snapshots,
 * alerts, errors) counts against max_client_queue_bytes: past it the client is closed with 4008, its
 * socket and queue go, and nothing it watched keeps running. A viewer beside it keeps its updates.
 * An SSE stream nobody reads is ended the same way, its socket destroyed rather than kept with its buffer.
 */
import { expect } from 'chai';
import { connect as tcpConnect } from 'node:net';
import { connect } from '../support/ws-client.js';
import { startTestServer, sleep } from '../support/test-server.js';
import { leftNothing, metric, streamGauges } from '../support/server-metrics.js';
import { until } from '../support/served-cli.js';
import type { TestServer } from '../support/test-server.js';

/** TCP connections the server holds open (the /metrics requests close theirs). */
const openSockets = (t: TestServer) => new Promise<number>((resolve) => t.server.http.getConnections((_e, n) => resolve(n)));

const BIG = `id: big
title: Big
widgets:
  - { id: rows, title: Rows, type: table, source: test, query: { behave: big, rows: 300, tag: never-reading }, every: 1s }
`;

describe('fault: a client that never reads and keeps subscribing', function () {
  this.timeout(60_000);

  // The slow-client time-out is far away in both: the bound alone must close the client, at once.
  it('is closed with 4008 once its queue passes max_client_queue_bytes, leaving no viewer or job', async () => {
    // The per-connection and server-wide rates at their defaults: the flood is answered mostly by errors, which count too.
    const t = await startTestServer({ 'big.yaml': BIG }, { maxClientQueueBytes: 512 * 1024, maxSubscribesPerSecond: 20, maxSnapshotsPerSecond: 1000, slowClientTimeoutMs: 120_000 });
    try {
      const hog = await connect(t.wsUrl);
      hog.pauseReading();
      const deadline = Date.now() + 30_000;
      // Subscribe until the server lets go of the client (it stays open on our side: we do not read).
      while ((await streamGauges(t.server.url)).connections > 0) {
        if (Date.now() > deadline) throw new Error('never closed: the server kept queueing replies for a client that does not read');
        for (let i = 0; i < 500; i++) hog.send({ type: 'subscribe', dashboard: 'big' });
        await sleep(5);
      }
      expect(await metric(t.server.url, 'rtdash_slow_clients_total{action="overflowed"}')).to.equal(1);
      // Reading again, the client gets what was queued up to the bound, then the close frame.
      hog.pauseReading(false);
      expect(await hog.closed).to.equal(4008);
      expect(hog.closeReason).to.match(/max_client_queue_bytes/);
      await leftNothing(t.server.url, 5000);

      // The server still serves a well-behaved viewer.
      const viewer = await connect(t.wsUrl);
      viewer.send({ type: 'subscribe', dashboard: 'big' });
      await viewer.nextOf('snapshot');
      await viewer.close();
    } finally {
      await t.stop();
    }
  });

  it('is closed with 4008 even when it never resumes reading, its socket destroyed after the close grace', async () => {
    const t = await startTestServer({ 'big.yaml': BIG }, { maxClientQueueBytes: 256 * 1024, slowClientTimeoutMs: 120_000 });
    try {
      const hog = await connect(t.wsUrl);
      hog.pauseReading();
      const fast = await connect(t.wsUrl);
      fast.send({ type: 'subscribe', dashboard: 'big' });
      await fast.nextOf('snapshot');
      const deadline = Date.now() + 30_000;
      while ((await streamGauges(t.server.url)).connections > 1) {
        if (Date.now() > deadline) throw new Error('never closed');
        for (let i = 0; i < 50; i++) hog.send({ type: 'subscribe', dashboard: 'big' });
        await sleep(5);
      }
      // The fast viewer beside it still gets its updates.
      await fast.nextOf('update', 3000);
      // Without reading, the client cannot answer the close frame: the server destroys the socket, and what was queued on it.
      await until('the socket of the client that never reads to be destroyed', async () => (await openSockets(t)) === 1, 5000);
      expect((await streamGauges(t.server.url)).viewers).to.equal(1);
      await fast.close();
      await leftNothing(t.server.url, 5000);
    } finally {
      await t.stop();
    }
  });

  it('on SSE: a stream that is never read is ended with 4008 and its socket destroyed, not kept with its buffer', async () => {
    const t = await startTestServer({ 'big.yaml': BIG.replace('rows: 300', 'rows: 3000').replace('every: 1s', 'every: 100ms') }, { slowClientBytes: 64 * 1024, slowClientTimeoutMs: 1000 });
    const url = new URL(t.server.url);
    const socket = tcpConnect({ host: url.hostname, port: Number(url.port) });
    try {
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.pause(); // never read
      socket.write(`GET /sse?dashboard=big HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`);
      await until('the stream to be served', async () => (await streamGauges(t.server.url)).viewers === 1, 5000);
      await until('the stream to be closed as too slow', async () => (await metric(t.server.url, 'rtdash_slow_clients_total{action="closed"}')) === 1, 30_000);
      await leftNothing(t.server.url, 5000);
      await until('the socket of the stream nobody reads to be destroyed', async () => (await openSockets(t)) === 0, 5000);
    } finally {
      socket.destroy();
      await t.stop();
    }
  });
});
