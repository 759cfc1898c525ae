/**
 * What the http source's tests share: a loopback server per test with a few standard routes, sources opened
 * against it (and closed after the test), and a bounded way to expect a rejection.
 */
import { expect } from 'chai';
import type { ServerResponse } from 'node:http';
import type { DataSource, Frame, Logger, QueryContext } from '../../core/plugin.js';
import { fakePluginContext, fakeQueryContext, silentLogger } from '../conformance.js';
import plugin, { type HttpOptions, type HttpQuery } from './index.js';
import { startLoopback, within, type Handler, type LoopbackServer, type Received } from './loopback-server.js';

/** The JSON the `/items` route answers. */
export const ITEMS = { data: [{ ts: 1718193600, value: 1.5, name: 'a' }, { ts: 1718193601, value: 2.5, name: 'b' }] };
/** Fields that map ITEMS' rows. */
export const ITEM_FIELDS = [
  { name: 'time', path: '$.ts', type: 'time' },
  { name: 'value', path: '$.value', type: 'number' },
  { name: 'name', path: '$.name', type: 'string' },
] as const satisfies HttpQuery['fields'];
/** The Prometheus text the `/metrics` route answers. */
export const METRICS = '# TYPE rtdash_queries_total counter\nrtdash_queries_total{source="demo",outcome="ok"} 12\nrtdash_queries_total{source="demo",outcome="error"} 1\nrtdash_viewers 3\n';

/** Answers with a JSON body. */
export function json(res: ServerResponse, body: unknown, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** Routes every test server answers: `/items` (JSON), `/metrics` (Prometheus text), `/healthz` and `/slow`. */
export const ROUTES: Record<string, Handler> = {
  '/items': (_req, res) => json(res, ITEMS),
  '/metrics': (_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(METRICS),
  '/healthz': (_req, res) => json(res, { status: 'ok' }),
  // Headers come after five seconds: a request the conformance kit aborts mid-flight.
  '/slow': (_req, res) => {
    const timer = setTimeout(() => json(res, ITEMS), 5000);
    res.on('close', () => clearTimeout(timer));
  },
};

/** A query for ITEMS' rows at `path`. */
export function items(path = '/items'): HttpQuery {
  return { path, rows: '$.data[*]', fields: [...ITEM_FIELDS] };
}

/** The server and sources of the running test. */
export interface SourceFixture {
  /** This test's server (a fresh one per test). */
  readonly server: LoopbackServer;
  /** Opens a source on this test's server (its URL unless `options.url` says otherwise); closed after the test. */
  open(options?: Partial<HttpOptions>, logger?: Logger): Promise<DataSource<HttpQuery>>;
  /** Runs a query with a fake context (overridable). */
  ask(source: DataSource<HttpQuery>, query: HttpQuery, context?: Partial<QueryContext>): Promise<Frame>;
  /** The request the server received last. */
  last(): Received;
}

/**
 * Registers beforeEach/afterEach hooks in the calling `describe` and returns the fixture they maintain.
 * @example const t = useSourceFixture(); it('…', async () => { await t.ask(await t.open(), items()); });
 */
export function useSourceFixture(): SourceFixture {
  let server: LoopbackServer | undefined;
  const sources: DataSource<HttpQuery>[] = [];
  beforeEach(async () => {
    server = await startLoopback(ROUTES);
  });
  afterEach(async () => {
    for (const source of sources.splice(0)) await source.close?.();
    await server?.close();
  });
  const live = (): LoopbackServer => {
    if (server === undefined) throw new Error('no server: use the fixture inside a test');
    return server;
  };
  return {
    get server() {
      return live();
    },
    async open(options = {}, logger = silentLogger) {
      const source = await plugin.create(fakePluginContext({ url: live().url, ...options }, { logger }));
      sources.push(source);
      return source;
    },
    ask: (source, query, context = {}) => source.query(query, fakeQueryContext(context)),
    last() {
      const request = live().received.at(-1);
      if (request === undefined) throw new Error('the server has received nothing');
      return request;
    },
  };
}

/** Waits (at most 5 s) for `promise` to reject with a message matching `message`, and returns the error. */
export async function expectRejection(promise: Promise<unknown>, message: RegExp): Promise<unknown> {
  const outcome = await within(
    promise.then(
      () => ({ ok: true as const }),
      (err: unknown) => ({ ok: false as const, err }),
    ),
    5000,
    'the query to settle',
  );
  if (outcome.ok) throw new Error(`expected a rejection matching ${message}, but the query resolved`);
  expect(outcome.err instanceof Error ? outcome.err.message : String(outcome.err)).to.match(message);
  return outcome.err;
}

/** Polls `condition` every 5 ms, failing after `ms`. */
export async function waitFor(condition: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`waited ${ms} ms for a condition`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * A logger that keeps every call as JSON text, for tests that check what a source logs (and what it never does).
 * @example const { logger, logged } = recordingLogger(); … expect(logged.join()).not.to.include('s3cret');
 */
export function recordingLogger(): { logger: Logger; logged: string[] } {
  const logged: string[] = [];
  const logger: Logger = {
    debug: (o, m) => void logged.push(JSON.stringify([o, m])),
    info: (o, m) => void logged.push(JSON.stringify([o, m])),
    warn: (o, m) => void logged.push(JSON.stringify([o, m])),
    error: (o, m) => void logged.push(JSON.stringify([o, m])),
    child: () => logger,
  };
  return { logger, logged };
}
