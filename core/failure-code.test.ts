import { expect } from 'chai';
import { RtdashError } from './errors.js';
import { codedError, failureCode } from './failure-code.js';

const withCode = (message: string, code: string) => Object.assign(new Error(message), { code });

describe('failureCode', () => {
  it('tells an unreachable source from a failed query', () => {
    expect(failureCode(withCode('connect ECONNREFUSED 127.0.0.1:5999', 'ECONNREFUSED'))).to.equal('RTDASH_SOURCE_UNREACHABLE');
    expect(failureCode(new AggregateError([withCode('a', 'ECONNREFUSED'), withCode('b', 'EHOSTUNREACH')], ''))).to.equal('RTDASH_SOURCE_UNREACHABLE');
    expect(failureCode(withCode('password authentication failed for user "x"', '28P01'))).to.equal('RTDASH_SOURCE_UNREACHABLE');
    expect(failureCode(new Error('mysql "s": Access denied', { cause: withCode("Access denied for user 'evalro'", 'ER_ACCESS_DENIED_ERROR') }))).to.equal('RTDASH_SOURCE_UNREACHABLE');
    expect(failureCode(withCode("Access denied for user 'x'@'127.0.0.1'", 'ER_ACCESS_DENIED_NO_PASSWORD_ERROR'))).to.equal('RTDASH_SOURCE_UNREACHABLE');
    expect(failureCode(Object.assign(withCode('account locked', 'ER_ACCOUNT_HAS_BEEN_LOCKED'), { sqlState: 'HY000' }))).to.equal('RTDASH_SOURCE_UNREACHABLE');
    expect(failureCode(Object.assign(withCode('denied', 'ER_SOME_FUTURE_LOGIN_ERROR'), { sqlState: '28000' }))).to.equal('RTDASH_SOURCE_UNREACHABLE');
    expect(failureCode(withCode('syntax error at or near "ANDD"', '42601'))).to.equal('RTDASH_QUERY_FAILED');
    expect(failureCode(new Error('anything else'))).to.equal('RTDASH_QUERY_FAILED');
    expect(failureCode('a string')).to.equal('RTDASH_QUERY_FAILED');
  });

  it('keeps the code of an RtdashError, also one a plugin wrapped', () => {
    const wait = new RtdashError('RTDASH_CONNECTION_WAIT', 'waited');
    expect(failureCode(wait)).to.equal('RTDASH_CONNECTION_WAIT');
    const wrapped = new Error('postgres "s": waited', { cause: wait });
    expect(failureCode(wrapped)).to.equal('RTDASH_CONNECTION_WAIT');
    expect(codedError(wrapped)).to.equal(wait);
  });
});
