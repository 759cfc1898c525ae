import { expect } from 'chai';
import { poolConfig } from './options.js';

describe('postgres options', () => {
  it('reads a connection string and the pool settings', () => {
    expect(poolConfig('shopdb', { url: 'postgres://rtdash:p%40ss@db:5433/shop', pool_size: 10 })).to.include({ connectionString: 'postgres://rtdash:p%40ss@db:5433/shop', max: 10 });
  });

  it('refuses a malformed url at load, naming the source and never repeating the password', () => {
    for (const url of ['postgres://u:PgS3cret@[bad/db', 'postgres://u:PgS3cret@db:99999/x', 'not a url PgS3cret']) {
      const err = (() => {
        try {
          poolConfig('shopdb', { url });
        } catch (e) {
          return e as Error;
        }
        throw new Error(`${url} was accepted`);
      })();
      expect(err).to.be.instanceOf(TypeError);
      expect(err.message).to.match(/^postgres "shopdb": url is not a valid URL .*write it like postgres:\/\/user:password@host:5432\/database$/);
      expect(err.message).not.to.include('PgS3cret');
    }
    expect(() => poolConfig('shopdb', { url: 'mysql://u@db/x' })).to.throw(TypeError, 'postgres "shopdb": url must start with postgres:// or postgresql://; got "mysql://"');
  });
});
