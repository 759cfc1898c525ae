/**
 * The http source against a real HTTP server on 127.0.0.1: the conformance suite, mapping, and the faults of
 * one response (error statuses, wrong content, oversized or endless bodies, silent or absent servers).
 */
import { expect } from 'chai';
import { runConformance } from '../conformance.js';
import plugin, { type HttpOptions, type HttpQuery } from './index.js';
import { startLoopback, within, type LoopbackServer } from './loopback-server.js';
import { ITEM_FIELDS, ROUTES, expectRejection, items, json, recordingLogger, useSourceFixture, waitFor } from './source-fixture.js';

describe('http plugin on a loopback server', () => {
  // Filled in before the nested suites' hooks run: the server's port is only known once it listens.
  const options: HttpOptions = { url: 'http://127.0.0.1:9', health_path: '/healthz' };
  let server: LoopbackServer;
  before(async () => {
    server = await startLoopback(ROUTES);
    options.url = server.url;
  });
  after(async () => {
    await server.close();
  });

  runConformance({
    plugin: plugin,
    options,
    queries: [
      { name: 'json rows and fields', query: items() },
      { name: 'prometheus series with a variable', query: { path: '/metrics', format: 'prometheus', series: { metric: 'rtdash_queries_total', labels: { source: ':source' } } } satisfies HttpQuery, variables: { source: 'demo' } },
    ],
    slowQuery: { name: 'a response that takes 5 s', query: items('/slow') },
    boundQuery: { name: 'prometheus label from a variable', query: { path: '/metrics', format: 'prometheus', series: { metric: 'rtdash_queries_total', labels: { source: ':source' } } }, variable: 'source' },
  });
});

describe('http plugin: responses', () => {
  const t = useSourceFixture();

  it('maps a JSON response into a frame', async () => {
    const frame = await t.ask(await t.open(), items());
    expect(frame).to.deep.equal({
      fields: [
        { name: 'time', type: 'time', values: [1718193600000, 1718193601000] },
        { name: 'value', type: 'number', values: [1.5, 2.5] },
        { name: 'name', type: 'string', values: ['a', 'b'] },
      ],
    });
  });

  it('reads a Prometheus endpoint and picks series by name and labels', async () => {
    const frame = await t.ask(await t.open(), { path: '/metrics', format: 'prometheus', series: [{ metric: 'rtdash_queries_total', labels: { source: ':source' }, name: 'q' }, { metric: 'rtdash_viewers' }] }, { variables: { source: 'demo' }, range: { from: 0, to: 1000 } });
    expect(frame.fields.map((f) => [f.name, f.values])).to.deep.equal([
      ['time', [1000]],
      ['q{outcome="ok"}', [12]],
      ['q{outcome="error"}', [1]],
      ['rtdash_viewers', [3]],
    ]);
  });

  it('reports a 500 with its status and the start of its body', async () => {
    t.server.route('/broken', (_req, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end('database is on fire\n\n  at line 3'));
    await expectRejection(t.ask(await t.open(), items('/broken')), /http:\/\/127\.0\.0\.1:\d+\/broken answered HTTP 500 Internal Server Error: "database is on fire at line 3"/);
  });

  it('says so when it gets HTML instead of JSON', async () => {
    t.server.route('/login', (_req, res) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><h1>Please sign in</h1>'));
    await expectRejection(t.ask(await t.open(), items('/login')), /expected JSON, got text\/html from http:\/\/127\.0\.0\.1:\d+\/login: "<!doctype html><h1>Please sign in/);
  });

  it('says so when a Prometheus endpoint answers with something else', async () => {
    t.server.route('/metrics', (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>'));
    await expectRejection(t.ask(await t.open(), { path: '/metrics', format: 'prometheus', series: { metric: 'up' } }), /expected the Prometheus text format, got text\/html/);
  });

  it('skips a malformed line of an exposition, keeps the other series, and logs it once', async () => {
    t.server.route('/odd', (_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end('up 1\n# HELP\nbroken{a="1" 2\nqueue_depth{q="mail"}7\n'));
    const { logger, logged } = recordingLogger();
    const source = await t.open({}, logger);
    for (let i = 0; i < 2; i++) {
      const frame = await t.ask(source, { path: '/odd', format: 'prometheus', series: [{ metric: 'up' }, { metric: 'queue_depth' }] }, { range: { from: 0, to: 1000 } });
      expect(frame.fields.map((f) => [f.name, f.values])).to.deep.equal([['time', [1000]], ['up', [1]], ['queue_depth{q="mail"}', [7]]]);
    }
    const warnings = logged.filter((l) => l.includes('skipped malformed lines'));
    expect(warnings, 'one warning for two scrapes with the same bad lines').to.have.length(1);
    expect(warnings[0]).to.include('"skipped":2').and.include('line 2: expected a metric name after HELP');
  });

  it('answers zero rows with the declared fields and no values', async () => {
    t.server.route('/none', (_req, res) => json(res, { data: [] }));
    const frame = await t.ask(await t.open(), items('/none'));
    expect(frame).to.deep.equal({ fields: ITEM_FIELDS.map((f) => ({ name: f.name, type: f.type, values: [] })) });
  });

  it('cuts a result at the row cap and flags it', async () => {
    t.server.route('/many', (_req, res) => json(res, { data: Array.from({ length: 50 }, (_, i) => ({ ts: 1718193600 + i, value: i, name: `n${i}` })) }));
    const frame = await t.ask(await t.open(), items('/many'), { maxRows: 20 });
    expect(frame.fields[1]?.values).to.have.length(20);
    expect(frame.meta).to.deep.equal({ truncated: true });
  });

  it('never evaluates a JSONPath script, and the query schema refuses one', async () => {
    const hostile: HttpQuery = { path: '/items', rows: '$.data[?(@.constructor.constructor("return process")().exit(7))]', fields: ITEM_FIELDS };
    await expectRejection(t.ask(await t.open(), hostile), /JSONPath .* cannot be used: .*prevented/);
    const { Ajv2020 } = await import('ajv/dist/2020.js');
    const ajv = new Ajv2020({ allErrors: true, allowUnionTypes: true });
    ajv.addVocabulary(['patternErrorMessage']);
    expect(ajv.compile(plugin.querySchema)(hostile)).to.equal(false);
  });

  it('refuses a body over max_bytes by its Content-Length, and closes the connection', async () => {
    // Announces 50 MB and sends the first kilobyte: the source must not wait for (or read) the rest.
    t.server.route('/big', (_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'content-length': '50000000' }).write(`"${'x'.repeat(1000)}`));
    await expectRejection(t.ask(await t.open({ max_bytes: 1000 }), items('/big')), /is 50000000 bytes, more than max_bytes \(1000\)/);
    await within(t.last().socketClosed, 2000, 'the socket to close');
  });

  it('stops reading a chunked body once it passes max_bytes, and closes the connection', async () => {
    let sent = 0;
    t.server.route('/stream', (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
      // Keeps sending until the client hangs up, so only the cap can end it.
      const timer = setInterval(() => {
        if (res.destroyed) return clearInterval(timer);
        sent += 600;
        res.write(`"${'y'.repeat(596)}",`);
      }, 1);
      res.on('close', () => clearInterval(timer));
    });
    await expectRejection(t.ask(await t.open({ max_bytes: 2000 }), items('/stream')), /is larger than max_bytes \(2000 bytes\); reading stopped there/);
    await within(t.last().socketClosed, 2000, 'the socket to close');
    expect(sent).to.be.lessThan(1_000_000);
  });

  it('ends a body that never ends at body_timeout, and closes the connection', async () => {
    t.server.route('/endless', (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).write('['));
    const started = Date.now();
    const err = await expectRejection(t.ask(await t.open({ body_timeout: '200ms' }), items('/endless')), /the body from http:\/\/127\.0\.0\.1:\d+\/endless did not end within 200ms \(body_timeout\)/);
    expect((err as { code?: string }).code).to.equal('RTDASH_QUERY_TIMEOUT');
    expect(Date.now() - started).to.be.within(150, 5000);
    await within(t.last().socketClosed, 2000, 'the socket to close');
  });

  it("ends a body that never ends when the query's signal aborts, with the signal's reason", async () => {
    t.server.route('/endless', (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).write('['));
    const controller = new AbortController();
    const reason = new Error('query timed out (the core said so)');
    setTimeout(() => controller.abort(reason), 150);
    const err = await expectRejection(t.ask(await t.open(), items('/endless'), { signal: controller.signal }), /the core said so/);
    expect(err).to.equal(reason);
    await within(t.last().socketClosed, 2000, 'the socket to close');
  });

  it('gives up on headers that never come at header_timeout, and closes the connection', async () => {
    t.server.route('/silent', () => undefined);
    await expectRejection(t.ask(await t.open({ header_timeout: '200ms' }), items('/silent')), /no response headers from http:\/\/127\.0\.0\.1:\d+\/silent within 200ms \(header_timeout\)/);
    await within(t.last().socketClosed, 2000, 'the socket to close');
  });

  it('says it cannot reach a server that is down, and health says down with the reason', async () => {
    const gone = await startLoopback();
    await gone.close();
    const source = await t.open({ url: gone.url });
    await expectRejection(t.ask(source, items()), new RegExp(`cannot reach http://127\\.0\\.0\\.1:${gone.port}/items: connect ECONNREFUSED`));
    const health = await source.health(new AbortController().signal);
    expect(health.status).to.equal('down');
    expect(health.message).to.match(/cannot reach .*ECONNREFUSED/);
  });

  it('checks health at health_path (2xx) or at the base URL (anything below 500)', async () => {
    const signal = new AbortController().signal;
    expect(await (await t.open({ health_path: '/healthz' })).health(signal)).to.deep.equal({ status: 'ok' });
    expect(await (await t.open()).health(signal)).to.deep.equal({ status: 'ok' }); // HEAD / answers 404: the server is up
    t.server.route('/sick', (_req, res) => res.writeHead(503, { 'content-type': 'text/plain' }).end('draining'));
    expect(await (await t.open({ health_path: '/sick' })).health(signal)).to.deep.include({ status: 'down' });
    expect((await (await t.open({ health_path: '/sick' })).health(signal)).message).to.match(/answered HTTP 503 Service Unavailable: "draining"/);
    t.server.route('/nohead', (req, res) => res.writeHead(req.method === 'HEAD' ? 405 : 200).end());
    expect(await (await t.open({ url: `${t.server.url}/nohead` })).health(signal)).to.deep.equal({ status: 'ok' });
    expect(t.server.received.filter((r) => r.url === '/nohead').map((r) => r.method)).to.deep.equal(['HEAD', 'GET']);
  });

  it('rejects queries once closed, and cancels what is in flight', async () => {
    t.server.route('/silent', () => undefined);
    const source = await t.open();
    const pending = t.ask(source, items('/silent'));
    await waitFor(() => t.server.received.length === 1, 2000);
    await source.close?.();
    await expectRejection(pending, /http source "test" is closed/);
    await expectRejection(t.ask(source, items()), /is closed/);
  });
});
