/**
 * The prometheus source's requests and faults, against loopback HTTP servers that play a Prometheus: what it
 * sends (parameters, credentials), the http source's host and redirect rules, and the answers a real server
 * seldom gives on demand (time-outs, HTML, bare HTTP errors, a query that ran out of time).
 */
import { expect } from 'chai';
import type { ServerResponse } from 'node:http';
import { failureCode } from '../../core/failure-code.js';
import type { DataSource, Logger, QueryContext } from '../../core/plugin.js';
import { fakePluginContext, fakeQueryContext } from '../conformance.js';
import { startLoopback, type LoopbackServer } from '../http/loopback-server.js';
import { expectRejection, recordingLogger } from '../http/source-fixture.js';
import plugin, { type PrometheusOptions, type PrometheusQuery } from './index.js';

const VECTOR = { status: 'success', data: { resultType: 'vector', result: [{ metric: { __name__: 'up', job: 'a' }, value: [1700000000, '1'] }] } };

function json(res: ServerResponse, body: unknown, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

describe('prometheus plugin: requests, hosts and faults', () => {
  let server: LoopbackServer;
  const sources: DataSource<PrometheusQuery>[] = [];
  beforeEach(async () => {
    server = await startLoopback({ '/api/v1/query': (_req, res) => json(res, VECTOR), '/api/v1/query_range': (_req, res) => json(res, { status: 'success', data: { resultType: 'matrix', result: [] } }) });
  });
  afterEach(async () => {
    for (const source of sources.splice(0)) await source.close?.();
    await server.close();
  });
  const open = async (extra: Partial<PrometheusOptions> = {}, logger?: Logger): Promise<DataSource<PrometheusQuery>> => {
    const source = await plugin.create(fakePluginContext({ url: server.url, ...extra }, logger === undefined ? {} : { logger }));
    sources.push(source);
    return source;
  };
  const ask = async (source: DataSource<PrometheusQuery>, query: PrometheusQuery, context: Partial<QueryContext> = {}) => source.query(query, fakeQueryContext(context));
  const sent = (): URLSearchParams => new URL(server.received.at(-1)?.url ?? '/', server.url).searchParams;

  it('sends an instant query at the run time, and a range query with start, end and step', async () => {
    const source = await open();
    await ask(source, 'up', { range: { from: 1_700_000_000_000, to: 1_700_000_060_250 } });
    expect(server.received.at(-1)?.url.split('?')[0]).to.equal('/api/v1/query');
    expect([...sent()]).to.deep.equal([['query', 'up'], ['time', '1700000060.25']]);
    await ask(source, 'up', { range: { from: 1_700_000_000_000, to: 1_700_003_600_000 }, bucketSeconds: 60 });
    expect(server.received.at(-1)?.url.split('?')[0]).to.equal('/api/v1/query_range');
    expect([...sent()]).to.deep.equal([['query', 'up'], ['start', '1700000040'], ['end', '1700003580'], ['step', '60']]);
  });

  it('sends basic or bearer credentials, and keeps them out of errors and logs', async () => {
    const { logger: spy, logged } = recordingLogger();
    await ask(await open({ basic_auth: { username: 'rtdash', password: 'pa55-s3cret' } }, spy), 'up');
    expect(server.received.at(-1)?.headers.authorization).to.equal(`Basic ${Buffer.from('rtdash:pa55-s3cret').toString('base64')}`);
    const bearer = await open({ bearer_token: 'tok-s3cret' }, spy);
    await ask(bearer, 'up');
    expect(server.received.at(-1)?.headers.authorization).to.equal('Bearer tok-s3cret');
    server.route('/api/v1/query', (_req, res) => res.writeHead(401, { 'content-type': 'text/plain' }).end('Unauthorized'));
    const err = await expectRejection(ask(bearer, 'up'), /answered HTTP 401 Unauthorized: "Unauthorized"/);
    expect(logged.length).to.be.greaterThan(0);
    const encoded = Buffer.from('rtdash:pa55-s3cret').toString('base64');
    for (const text of [...logged, (err as Error).message]) expect(text).not.to.match(/s3cret/).and.not.include(encoded);
  });

  it('refuses credentials in the url, and two ways of giving them', () => {
    const check = (options: PrometheusOptions) => () => plugin.checkOptions?.(options, 'prom');
    expect(check({ url: 'http://user:pw@127.0.0.1:9090' })).to.throw(/^prometheus: "url" must not hold credentials; use "basic_auth" or "bearer_token"$/);
    expect(check({ url: 'http://127.0.0.1:9090', bearer_token: 't', basic_auth: { username: 'u', password: 'p' } })).to.throw(/exclude each other/);
    expect(check({ url: 'http://127.0.0.1:9090', bearer_token: 't', headers: { Authorization: 'x' } })).to.throw(/give the Authorization header once/);
    expect(check({ url: 'ftp://127.0.0.1:9090' })).to.throw(/^prometheus: "url" must use http or https; got ftp:/);
  });

  it('follows no redirect to a host its config does not name (the http source’s rules)', async () => {
    server.route('/api/v1/query', (_req, res) => res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' }).end());
    await expectRejection(ask(await open(), 'up'), /^prometheus: redirect from http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query to http:\/\/169\.254\.169\.254\/latest\/meta-data refused: 169\.254\.169\.254 is not an allowed host/);
  });

  it('follows a redirect to an allowed host without the credentials', async () => {
    const other = await startLoopback({ '/api/v1/query': (_req, res) => json(res, VECTOR) });
    try {
      server.route('/api/v1/query', (req, res) => res.writeHead(307, { location: `${other.url}${req.url}` }).end());
      const frame = await ask(await open({ allowed_hosts: [`127.0.0.1:${other.port}`], bearer_token: 'tok' }), 'up', { range: { from: 0, to: 5000 } });
      expect(frame.fields.map((f) => [f.name, f.values])).to.deep.equal([['time', [5000]], ['up{job="a"}', [1]]]);
      expect(server.received[0]?.headers.authorization).to.equal('Bearer tok');
      expect(other.received[0]?.headers.authorization).to.equal(undefined);
    } finally {
      await other.close();
    }
  });

  it('times out a server that does not answer, with the time-out code', async () => {
    server.route('/api/v1/query', () => undefined);
    const err = await expectRejection(ask(await open({ header_timeout: '200ms' }), 'up'), /^prometheus: no response headers from http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query within 200ms \(header_timeout\)/);
    expect(failureCode(err)).to.equal('RTDASH_QUERY_TIMEOUT');
  });

  it("reports Prometheus' own time-out as a time-out", async () => {
    server.route('/api/v1/query', (_req, res) => json(res, { status: 'error', errorType: 'timeout', error: 'query timed out in expression evaluation' }, 503));
    const err = await expectRejection(ask(await open(), 'up'), /refused the query \(timeout, HTTP 503\): query timed out in expression evaluation/);
    expect(failureCode(err)).to.equal('RTDASH_QUERY_TIMEOUT');
  });

  it('says what came instead of the API: an HTML page, a bare HTTP error', async () => {
    server.route('/api/v1/query', (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Sign in</body></html>'));
    await expectRejection(ask(await open(), 'up'), /did not answer as the Prometheus API does \(JSON with "status": "success"\); got text\/html: "<html><body>Sign in<\/body><\/html>"/);
    server.route('/api/v1/query', (_req, res) => res.writeHead(502, { 'content-type': 'text/plain' }).end('upstream down'));
    await expectRejection(ask(await open(), 'up'), /answered HTTP 502 Bad Gateway: "upstream down"/);
  });

  it('asks the latest point again when a run covers less than one step', async () => {
    await ask(await open(), { promql: 'up', instant: false }, { range: { from: 10_100, to: 10_900 }, intervalMs: 1000 });
    expect([...sent()]).to.deep.equal([['query', 'up'], ['start', '10'], ['end', '10'], ['step', '1']]);
  });
});
