import { expect } from 'chai';
import { silentLogger } from '../logger.js';
import { RecordingTransport, testLimits, testMetrics } from '../test-support.js';
import { Backpressure } from './backpressure.js';
import { Peer } from './peer.js';
import { Outgoing } from './protocol.js';

describe('Backpressure', () => {
  const setup = (maxClientQueueBytes: number) => {
    const dropped: number[] = [];
    const metrics = testMetrics();
    const pressure = new Backpressure({ limits: testLimits({ maxClientQueueBytes }), metrics, logger: silentLogger(), drop: (_peer, code) => dropped.push(code), flush: () => undefined });
    const transport = new RecordingTransport();
    const peer = new Peer(transport, undefined, (p, m) => pressure.send(p, m));
    return { pressure, transport, peer, dropped, metrics };
  };

  it('counts every message against the bound and drops the client with 4008 instead of queueing past it', () => {
    const { transport, peer, dropped, metrics } = setup(4096);
    const big = new Outgoing(`"${'x'.repeat(3000)}"`);
    peer.send(big);
    transport.buffered = 3002;
    peer.send(big);
    expect(transport.sent).to.have.length(1);
    expect(dropped).to.deep.equal([4008]);
    expect(metrics.hot.messagesSent).to.equal(1);
  });

  it('always takes one message into an empty queue, however large', () => {
    const { transport, peer, dropped } = setup(4096);
    peer.send(new Outgoing(`"${'x'.repeat(10_000)}"`));
    expect(transport.sent).to.have.length(1);
    expect(dropped).to.deep.equal([]);
  });

  it('sends nothing to a peer that has ended', () => {
    const { transport, peer } = setup(4096);
    peer.end();
    peer.send(new Outgoing('{}'));
    expect(transport.sent).to.have.length(0);
  });
});
