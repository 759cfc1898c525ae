import { expect } from 'chai';
import { keyspaceFlagsNeeded } from './keyspace.js';
import { MAX_RETRY_DELAY_MS, resolveOptions, retryDelay } from './options.js';

describe('redis options', () => {
  it('defaults to 127.0.0.1:6379 db 0 and the fail-fast settings', () => {
    const resolved = resolveOptions('live', {});
    expect(resolved).to.deep.include({ db: 0, address: '127.0.0.1:6379', connectTimeoutMs: 5000, keyPrefix: '', enableKeyspaceEvents: false });
    expect(resolved.ioredis).to.deep.include({ host: '127.0.0.1', port: 6379, db: 0, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, protocol: 2, connectionName: 'rtdash:live' });
  });

  it('reads a URL, and lets options beside it override its parts', () => {
    const resolved = resolveOptions('a b', { url: 'rediss://user:p%40ss@cache.internal:6380/2', password: 'other', connect_timeout: '1.5s' });
    expect(resolved.ioredis).to.deep.include({ host: 'cache.internal', port: 6380, db: 2, username: 'user', password: 'other', connectTimeout: 1500, connectionName: 'rtdash:a_b' });
    expect(resolved.ioredis.tls).to.deep.equal({});
    expect(resolveOptions('x', { url: 'redis://:p%40ss@h/3' }).ioredis).to.deep.include({ password: 'p@ss', db: 3 });
    expect(resolveOptions('x', { url: 'rediss://h', tls: false }).ioredis.tls).to.equal(undefined);
    expect(resolveOptions('x', { tls: { ca: 'PEM', reject_unauthorized: false } }).ioredis.tls).to.deep.equal({ ca: 'PEM', rejectUnauthorized: false });
  });

  it('rejects unusable options without echoing a secret', () => {
    expect(() => resolveOptions('x', { url: 'redis://user:secret@[bad' }))
      .to.throw('redis "x": "url" is not a valid URL')
      .with.property('message')
      .that.does.not.include('secret');
    expect(() => resolveOptions('x', { url: 'http://h' })).to.throw(/must start with redis:\/\//);
    expect(() => resolveOptions('x', { url: 'redis://h/zero' })).to.throw(/must be a database number/);
    expect(() => resolveOptions('x', { connect_timeout: 'soon' })).to.throw(/"connect_timeout" must be a positive duration/);
  });

  it('retries after 50 ms, doubling up to a cap', () => {
    expect(retryDelay(1)).to.be.within(45, 50);
    expect(retryDelay(3)).to.be.within(180, 200);
    for (const attempt of [7, 20, 1000]) expect(retryDelay(attempt)).to.be.within(MAX_RETRY_DELAY_MS * 0.9, MAX_RETRY_DELAY_MS);
  });

  it('adds what keyspace notifications need to notify-keyspace-events, keeping what is set', () => {
    expect(keyspaceFlagsNeeded('')).to.equal('KA');
    expect(keyspaceFlagsNeeded('Ex')).to.equal('ExK');
    expect(keyspaceFlagsNeeded('K')).to.equal('KA');
    expect(keyspaceFlagsNeeded('KEA')).to.equal(undefined);
    expect(keyspaceFlagsNeeded('K$')).to.equal(undefined);
  });
});
