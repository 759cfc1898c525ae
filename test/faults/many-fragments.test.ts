/**
 * Fault: a client sends one message as 200,000 fragments. The server stops counting at its fragment cap
 * and closes with 1008 (policy) instead of gathering them, and its other viewers lose nothing.
 */
import { expect } from 'chai';
import { connect, connectSubscribed } from '../support/ws-client.js';
import { contiguousSeqs } from '../support/seq-check.js';
import { startTestServer, testDashboard, until, type TestServer } from '../support/test-server.js';

const FRAGMENTS = 200_000;

describe('fault: 200k fragments', function () {
  this.timeout(30_000);
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ 'f.yaml': testDashboard('f', { a: { behave: 'counter', tag: 'many-fragments' } }, '100ms') });
  });
  after(() => t.stop());

  it('closes the sender with 1008 while a viewer beside it gets every update once', async () => {
    const viewer = await connectSubscribed(t.wsUrl, 'f');
    const sender = await connect(t.wsUrl);
    const text = JSON.stringify({ type: 'subscribe', dashboard: 'f' });
    for (let i = 0; i < FRAGMENTS; i++) sender.ws.send(text[i % text.length]!, { fin: i === FRAGMENTS - 1 });
    expect(await sender.closed).to.equal(1008);
    // The message was never put together, so it never subscribed anyone.
    expect(sender.messages.map((m) => m.type)).to.deep.equal(['hello']);
    await until(() => t.server.hub.connections === 1, 2000, 'the sender to be forgotten');

    const count = viewer.messages.length;
    await until(() => viewer.messages.length > count + 5, 5000, 'more updates for the viewer');
    expect([...contiguousSeqs(viewer.messages).values()][0]!.length).to.be.greaterThan(5);
    expect(t.server.hub.viewers).to.equal(1);
    await viewer.close();
  });
});
