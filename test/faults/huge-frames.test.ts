/**
 * Fault: a client sends a 100 MB message. The server refuses it as soon as the frame header announces
 * its length (close 1009), without buffering it, and its other viewers lose nothing.
 */
import { expect } from 'chai';
import { connect, connectSubscribed } from '../support/ws-client.js';
import { contiguousSeqs } from '../support/seq-check.js';
import { startTestServer, testDashboard, until, type TestServer } from '../support/test-server.js';

describe('fault: 100 MB frames', function () {
  this.timeout(30_000);
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ 'f.yaml': testDashboard('f', { a: { behave: 'counter', tag: 'huge-frames' } }, '100ms') });
  });
  after(() => t.stop());

  it('closes the sender with 1009 while a viewer beside it gets every update once', async () => {
    const viewer = await connectSubscribed(t.wsUrl, 'f');
    const sender = await connectSubscribed(t.wsUrl, 'f');
    const updatesBefore = viewer.messages.length;

    const started = Date.now();
    // A valid message padded with 100 MB of whitespace, built as one buffer rather than a string of that size.
    const huge = Buffer.alloc(100 * 2 ** 20, ' ');
    huge.write(JSON.stringify({ type: 'subscribe', dashboard: 'f' }));
    sender.ws.send(huge, { binary: false });
    expect(await sender.closed).to.equal(1009);
    expect(Date.now() - started).to.be.below(10_000);
    await until(() => t.server.hub.connections === 1, 2000, 'the sender to be forgotten');
    expect(t.server.hub.viewers).to.equal(1);

    // The viewer carries on: more updates, none lost, none twice.
    await until(() => viewer.messages.length > updatesBefore + 5, 5000, 'more updates for the viewer');
    expect([...contiguousSeqs(viewer.messages).values()][0]!.length).to.be.greaterThan(5);
    expect(viewer.closeCode).to.equal(undefined);
    await viewer.close();
  });

  it('closes a message just over max_message_bytes with 1009 too', async () => {
    const c = await connect(t.wsUrl);
    c.send({ type: 'subscribe', dashboard: 'f', vars: {}, pad: 'x'.repeat(t.server.config.server.limits.maxMessageBytes) });
    expect(await c.closed).to.equal(1009);
  });
});
