/**
 * The http source's reach, against real HTTP servers on 127.0.0.1: redirects, the host allowlist, how variable
 * values travel, and what never leaves the source (configured headers and query values). Refused redirects
 * are the fault matrix's row in test/faults/ssrf.test.ts.
 */
import { expect } from 'chai';
import { startLoopback } from './loopback-server.js';
import { ITEMS, ROUTES, expectRejection, items, json, recordingLogger, useSourceFixture } from './source-fixture.js';

describe('http plugin: redirects, hosts and values', () => {
  const t = useSourceFixture();

  it('follows a redirect on the same host', async () => {
    t.server.route('/old', (_req, res) => res.writeHead(301, { location: '/items' }).end());
    const frame = await t.ask(await t.open(), items('/old'));
    expect(frame.fields[1]?.values).to.deep.equal([1.5, 2.5]);
    expect(t.server.received.map((r) => r.url)).to.deep.equal(['/old', '/items']);
  });

  it('follows a redirect to a host in allowed_hosts, without the configured headers', async () => {
    const other = await startLoopback(ROUTES);
    try {
      t.server.route('/moved', (_req, res) => res.writeHead(307, { location: `${other.url}/items` }).end());
      const frame = await t.ask(await t.open({ allowed_hosts: [`127.0.0.1:${other.port}`], headers: { Authorization: 'Bearer s3cret' } }), items('/moved'));
      expect(frame.fields[2]?.values).to.deep.equal(['a', 'b']);
      expect(t.server.received[0]?.headers.authorization).to.equal('Bearer s3cret');
      expect(other.received[0]?.headers.authorization).to.equal(undefined);
    } finally {
      await other.close();
    }
  });

  it('stops after max_redirects', async () => {
    t.server.route('/loop', (_req, res) => res.writeHead(302, { location: '/loop' }).end());
    await expectRejection(t.ask(await t.open({ max_redirects: 2 }), items('/loop')), /too many redirects from http:\/\/127\.0\.0\.1:\d+\/loop \(more than max_redirects: 2\)/);
    expect(t.server.received).to.have.length(3);
  });

  it('turns a POST into a GET after a 303, as browsers do', async () => {
    t.server.route('/submit', (_req, res) => res.writeHead(303, { location: '/items' }).end());
    await t.ask(await t.open(), { ...items('/submit'), method: 'POST', body: { region: ':region' } }, { variables: { region: 'eu' } });
    expect(t.server.received.map((r) => [r.method, r.url, r.body])).to.deep.equal([
      ['POST', '/submit', '{"region":"eu"}'],
      ['GET', '/items', ''],
    ]);
  });

  it('sends a variable value only as an encoded query value', async () => {
    t.server.route('/echo', (_req, res) => json(res, ITEMS));
    const hostile = 'a&b=c#x/../';
    await t.ask(await t.open({ query: { api: 'k' } }), { ...items('/echo'), params: { q: ':q', fixed: 'x' } }, { variables: { q: hostile } });
    const raw = t.last().url;
    expect(raw).to.equal('/echo?api=k&q=a%26b%3Dc%23x%2F..%2F&fixed=x');
    const parsed = new URL(raw, t.server.url);
    expect(parsed.pathname).to.equal('/echo');
    expect([...parsed.searchParams]).to.deep.equal([['api', 'k'], ['q', hostile], ['fixed', 'x']]);
  });

  it('keeps header values and query values out of errors and logs', async () => {
    const { logger: spy, logged } = recordingLogger();
    t.server.route('/broken', (_req, res) => res.writeHead(500).end('nope'));
    const source = await t.open({ headers: { 'X-Api-Key': 'header-s3cret' }, query: { token: 'query-s3cret' } }, spy);
    await t.ask(source, items());
    const err = await expectRejection(t.ask(source, items('/broken')), /answered HTTP 500/);
    expect(t.last().headers['x-api-key']).to.equal('header-s3cret');
    expect(logged.length).to.be.greaterThan(0);
    for (const text of [...logged, (err as Error).message]) expect(text).not.to.match(/s3cret/);
  });

  it('reaches an absolute URL on an allowed host, and refuses one on any other', async () => {
    const other = await startLoopback(ROUTES);
    try {
      const source = await t.open({ allowed_hosts: [`127.0.0.1:${other.port}`] });
      const frame = await t.ask(source, items(`${other.url}/items`));
      expect(frame.fields[1]?.values).to.deep.equal([1.5, 2.5]);
      await expectRejection(t.ask(await t.open(), items(`${other.url}/items`)), /is not an allowed host/);
    } finally {
      await other.close();
    }
  });
});
