import { expect } from 'chai';
import { connectionWaitError } from './connection-wait.js';
import { RtdashError } from './errors.js';

describe('connectionWaitError', () => {
  it('turns the query time-out into a wait for a connection, naming the pool size', () => {
    const timeout = new RtdashError('RTDASH_QUERY_TIMEOUT', 'query to "s" timed out after 5000 ms and was cancelled', { details: { timeoutMs: 5000 } });
    const err = connectionWaitError(timeout, 10, true) as RtdashError;
    expect(err.code).to.equal('RTDASH_CONNECTION_WAIT');
    expect(err.message).to.equal('timed out after 5000 ms waiting for a free connection from the pool (pool_size 10); the query was never sent');
  });

  it('leaves the time-out as it is when a connection was free: the wait was for a server that did not answer', () => {
    const timeout = new RtdashError('RTDASH_QUERY_TIMEOUT', 'query to "s" timed out after 5000 ms and was cancelled', { details: { timeoutMs: 5000 } });
    expect(connectionWaitError(timeout, 10, false)).to.equal(timeout);
  });

  it('leaves any other abort reason as it is', () => {
    const shutdown = new RtdashError('RTDASH_SHUTTING_DOWN', 'the server is shutting down');
    expect(connectionWaitError(shutdown, 10, true)).to.equal(shutdown);
    const plain = new Error('timed out after 300 ms');
    expect(connectionWaitError(plain, 10, true)).to.equal(plain);
  });
});
