import { expect } from 'chai';
import { ConfigError, formatProblem, parseDashboard } from '../../core/config/index.js';
import type { PluginDefinition } from '../../core/plugin.js';
import redis from './index.js';
import { QueryArgs, escapeGlob, fillPattern, fillText } from './query.js';
import { resolveListen } from './subscriber.js';

/** The problems of a one-widget dashboard on a redis source, as file:line:col: message. */
function problemsOf(query: string, extra = ''): string[] {
  const text = `id: t\ntitle: T\nvariables:\n  region: { type: select, options: [eu, us], default: eu }\nwidgets:\n  - id: w\n    type: stat\n    source: live\n    query: ${query}\n${extra}`;
  try {
    parseDashboard(text, 'd.yaml', { sources: (name) => (name === 'live' ? { type: 'redis', plugin: redis as PluginDefinition } : undefined) });
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map(formatProblem);
    throw err;
  }
}

describe('redis queries', () => {
  describe('query schema, as the config loader applies it', () => {
    it('accepts every allowed command in its documented shape', () => {
      for (const query of [
        '{ command: GET, key: "shop:stats" }',
        '{ command: GET, key: ["shop:sessions:", ":region"] }',
        '{ command: MGET, keys: [a, [b, ":region"]] }',
        '{ command: MGET, keys: { eu: "orders:eu", us: "orders:us" } }',
        '{ command: HGET, key: h, field: ":region" }',
        '{ command: HGETALL, key: "shop:stats" }',
        '{ command: LRANGE, key: l, start: -10, stop: ":region" }',
        '{ command: ZRANGE, key: z }',
        '{ command: ZREVRANGE, key: z, start: 0, stop: 9 }',
        '{ command: ZRANGEBYSCORE, key: z }',
        '{ command: ZRANGEBYSCORE, key: z, min: 1700000000000, max: "(1700000060000", count: 10, fields: [total] }',
        '{ command: ZRANGEBYSCORE, key: z, min: "-inf", max: "+inf" }',
        '{ command: SCARD, key: s }',
        '{ command: PFCOUNT, key: p }',
        '{ command: XRANGE, key: x, fields: [total] }',
        '{ command: XREVRANGE, key: x, start: "-", end: "+", count: 10 }',
        '{ command: XRANGE, key: x, start: "(1700000000000-1", end: "1700000001000" }',
        '{ command: INFO }',
        '{ command: INFO, section: memory }',
        '{ command: DBSIZE }',
        '{ command: TS.RANGE, key: t, aggregation: avg, bucket: 1m, count: 100 }',
      ]) {
        expect(problemsOf(query), query).to.deep.equal([]);
      }
    });

    it('takes :from and :to as score bounds and stream ids only on a dashboard with time:, and nothing else there', () => {
      const timed = (query: string) => {
        const text = `id: t\ntitle: T\ntime: { default: 1h }\nwidgets:\n  - id: w\n    type: line\n    source: live\n    query: ${query}\n`;
        return parseDashboard(text, 'd.yaml', { sources: (name) => (name === 'live' ? { type: 'redis', plugin: redis as PluginDefinition } : undefined) });
      };
      expect(timed('{ command: ZRANGEBYSCORE, key: z, min: ":from", max: ":to" }').widgets[0]!.usesRange).to.equal(true);
      expect(timed('{ command: XRANGE, key: x, start: "(:from", end: ":to" }').widgets[0]!.usesRange).to.equal(true);
      expect(problemsOf('{ command: ZRANGEBYSCORE, key: z, min: ":from" }')[0]).to.include('add a "time:" block');
      expect(problemsOf('{ command: ZRANGEBYSCORE, key: z, min: ":region" }')[0]).to.include('"min"');
      expect(problemsOf('{ command: ZRANGEBYSCORE, key: z, start: 0 }')[0]).to.include('key "start" is not allowed');
      expect(problemsOf('{ command: GET, key: a, min: 0 }')[0]).to.include('key "min" is not allowed');
    });

    it('rejects write commands with the list of allowed ones, at the command', () => {
      for (const command of ['SET', 'DEL', 'FLUSHALL', 'EVAL', 'CONFIG', 'set']) {
        const problems = problemsOf(`{ command: ${command}, key: a }`);
        expect(problems, command).to.have.length(1);
        expect(problems[0]).to.match(
          new RegExp(`^d\\.yaml:9:23: "command" must be one of GET, MGET, HGET, HGETALL, LRANGE, ZRANGE, ZREVRANGE, ZRANGEBYSCORE, SCARD, PFCOUNT, XRANGE, XREVRANGE, INFO, DBSIZE, TS\\.RANGE; got "${command}"`),
        );
      }
      expect(problemsOf('"SET a 1"')).to.deep.equal(['d.yaml:9:12: "query" must be a mapping, got the string "SET a 1"']);
      expect(problemsOf('{ command: EVAL, script: "return 1" }')).to.have.length(2);
    });

    it('says what a command needs and what it does not take', () => {
      expect(problemsOf('{ command: HGET, key: h }')).to.deep.equal(['d.yaml:9:5: missing required key "field" in the query of widget "w" (HGET reads one "field" of the hash at "key")']);
      expect(problemsOf('{ command: GET }')[0]).to.include('missing required key "key"');
      expect(problemsOf('{ command: GET, key: a, section: memory }')).to.deep.equal(['d.yaml:9:36: key "section" is not allowed in the query of widget "w"']);
      expect(problemsOf('{ command: DBSIZE, key: a }')).to.have.length(1);
      expect(problemsOf('{ command: INFO, section: everything2 }')[0]).to.include('"section" must be one of');
      expect(problemsOf('{ command: GET, key: ":zone" }')[0]).to.include('uses :zone, but no variable "zone" is declared');
    });

    it('checks listen: one channel or one key pattern', () => {
      expect(problemsOf('{ command: DBSIZE }', '    listen: { channel: "orders:new" }\n')).to.deep.equal([]);
      expect(problemsOf('{ command: DBSIZE }', '    listen: { keys: ["cart:", ":region", ":*"] }\n')).to.deep.equal([]);
      expect(problemsOf('{ command: DBSIZE }', '    listen: {}\n')[0]).to.include('missing required key "channel"').and.include('a "keys" pattern');
      expect(problemsOf('{ command: DBSIZE }', '    listen: { channel: a, keys: b }\n')[0]).to.include('key "keys" is not allowed');
    });
  });

  describe('arguments', () => {
    it('fills `:name` references, in text or in joined parts, by the core’s rule', () => {
      const vars = { region: 'eu', id: '7' };
      expect(fillText('shop:stats', vars, 'k')).to.equal('shop:stats');
      expect(fillText(':region', vars, 'k')).to.equal('eu');
      expect(fillText('orders.:region', vars, 'k')).to.equal('orders.eu');
      expect(fillText(['shop:sessions:', ':region'], vars, 'k')).to.equal('shop:sessions:eu');
      expect(fillText('a::region', vars, 'k'), 'after a colon: not a reference').to.equal('a::region');
      expect(fillText([':', 'literal'], vars, 'k')).to.equal(':literal');
      expect(() => fillText(':toString', vars, 'GET "key"')).to.throw('GET "key" uses :toString, but variable "toString" is not set');
      expect(() => fillText([], vars, 'k')).to.throw(/must be a string or a non-empty list/);
    });

    it('escapes variable values and the prefix in key patterns, not the pattern’s own globs', () => {
      expect(escapeGlob('a*b?[c]\\')).to.equal('a\\*b\\?\\[c\\]\\\\');
      expect(fillPattern(['cart:', ':id', ':*'], { id: '4*' }, 'k')).to.equal('cart:4\\*:*');
      expect(resolveListen({ keys: 'cart:*' }, {}, 'sh*p:', 3)).to.deep.equal({ kind: 'pattern', name: '__keyspace@3__:sh\\*p:cart:*', keyspace: true });
      expect(resolveListen({ channel: ['orders:', ':region'] }, { region: 'e*' }, 'ignored:', 0)).to.deep.equal({ kind: 'channel', name: 'orders:e*', keyspace: false });
      expect(() => resolveListen({ channel: 'a', keys: 'b' }, {}, '', 0)).to.throw(/must be \{ channel: NAME \}/);
    });

    it('reads integers from numbers or variables, and names the problem otherwise', () => {
      const args = new QueryArgs({ command: 'LRANGE', key: 'l', start: ':n', stop: 5, count: 'x' }, { n: '-3', bad: '1; FLUSHALL' }, 'p:');
      expect(args.key()).to.equal('p:l');
      expect(args.int('start', 0)).to.equal(-3);
      expect(args.int('stop', -1)).to.equal(5);
      expect(args.int('missing', 9)).to.equal(9);
      expect(() => args.int('count')).to.throw('LRANGE "count" must be an integer or ":name"; got "x"');
      const bad = new QueryArgs({ command: 'LRANGE', key: 'l', start: ':bad' }, { bad: '1; FLUSHALL' }, '');
      expect(() => bad.int('start', 0)).to.throw('LRANGE "start" must be an integer; got "1; FLUSHALL" (from variable "bad")');
    });

    it('binds :from and :to in score and stream id bounds as whole numbers, each one argument', () => {
      const range = { from: 1_700_000_000_000.4, to: 1_700_000_060_000.6 };
      const args = new QueryArgs({ command: 'ZRANGEBYSCORE', key: 'z', min: ':from', max: '(:to', count: 5 }, {}, '');
      expect(args.bound('min', range, 'ceil')).to.equal('1700000000001');
      expect(args.bound('max', range, 'floor')).to.equal('(1700000060000');
      expect(args.bound('missing', range, 'ceil')).to.equal(undefined);
      expect(new QueryArgs({ command: 'ZRANGEBYSCORE', key: 'z', min: 5, max: '+inf' }, {}, '').bound('min', range, 'ceil')).to.equal('5');
      expect(() => new QueryArgs({ command: 'ZRANGEBYSCORE', key: 'z', min: [1] }, {}, '').bound('min', range, 'ceil')).to.throw('ZRANGEBYSCORE "min" must be a number');
    });

    it('refuses anything but an allowed command, whatever the caller skipped', () => {
      expect(() => new QueryArgs('GET a', {}, '')).to.throw(/must be a mapping with "command"/);
      expect(() => new QueryArgs({ command: 'FLUSHALL' }, {}, '')).to.throw(/"command" must be one of the read-only commands .*; got "FLUSHALL"/);
      expect(() => new QueryArgs({ command: 'get', key: 'a' }, {}, '')).to.throw(/got "get"/);
      expect(() => new QueryArgs({ command: 'MGET', keys: [] }, {}, '').namedKeys()).to.throw(/non-empty list of keys/);
    });
  });
});
