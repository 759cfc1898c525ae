/**
 * Fault: a client flooding its WebSocket with messages that are neither subscribes nor unsubscribes:
 * pings, malformed JSON. Each used to cost a parse and a reply, with no bound but the queue. Now
 * every message counts against max_messages_per_second: past it they are dropped unread, and a
 * client that keeps on is closed with 1008; other viewers are served throughout.
 */
import { expect } from 'chai';
import { leftNothing } from '../support/server-metrics.js';
import { sleep, startTestServer, testDashboard } from '../support/test-server.js';
import { connect, connectSubscribed } from '../support/ws-client.js';

describe('fault: message floods', function () {
  this.timeout(30_000);

  it('are cut off at max_messages_per_second: dropped unread, then closed with 1008', async () => {
    const t = await startTestServer({ 'ok.yaml': testDashboard('ok', { a: { behave: 'counter', tag: 'message-flood' } }, '100ms') }, { maxMessagesPerSecond: 50 });
    try {
      const viewer = await connectSubscribed(t.wsUrl, 'ok');
      const pinger = await connect(t.wsUrl);
      const garbler = await connect(t.wsUrl);
      const pinging = await connect(t.wsUrl);
      for (let i = 0; i < 5000; i++) {
        pinger.send({ type: 'ping' });
        garbler.send('{"type":');
      }
      // WebSocket pings (control frames) count too. In small bursts, reading the pongs in between: ws
      // itself drops a client that lets 60 of them pile up unread.
      for (let i = 0; i < 300 && pinging.closeCode === undefined; i++) {
        for (let j = 0; j < 10; j++) pinging.ws.ping();
        await sleep(1);
      }
      for (const c of [pinger, garbler, pinging]) {
        expect(await c.closed, `${c === pinger ? "pinger" : c === garbler ? "garbler" : "pinging"}: ${c.closeReason}`).to.equal(1008);
        expect(c.closeReason).to.equal('too many messages');
      }
      // A burst of twice the rate was answered; the rest cost the server nothing but the count.
      const pongs = pinger.messages.filter((m) => m.type === 'pong').length;
      expect(pongs).to.be.within(100, 110);
      expect(pinger.messages.filter((m) => m.type === 'error' && m.code === 'RTDASH_RATE_LIMITED')).to.have.length(1);
      expect(garbler.messages.filter((m) => m.type === 'error' && m.code === 'RTDASH_BAD_MESSAGE').length).to.be.within(100, 110);

      // The viewer was served throughout and keeps being served.
      const updates = viewer.messages.filter((m) => m.type === 'update').length;
      await viewer.next((m) => m.type === 'update' && viewer.messages.filter((x) => x.type === 'update').length > updates + 2);
      expect(viewer.closeCode).to.equal(undefined);

      // A client that keeps to the rate is never cut off.
      const steady = await connect(t.wsUrl);
      for (let i = 0; i < 60; i++) {
        steady.send({ type: 'ping' });
        await sleep(25);
      }
      await steady.next(() => steady.messages.filter((m) => m.type === 'pong').length === 60);
      expect(steady.closeCode).to.equal(undefined);
      await Promise.all([viewer.close(), steady.close()]);
      await leftNothing(t.server.url);
    } finally {
      await t.stop();
    }
  });
});
