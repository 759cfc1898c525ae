/**
 * A Prometheus server of a test's own (Debian's `prometheus` package), on a free loopback port, with its TSDB
 * in a temp folder and a config that scrapes the test's loopback targets every second; and a small target
 * to scrape, whose exposition the test writes. Removed after the suite, or at process exit at the latest.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { findBinary, scratchDir } from './private-process.js';
import { foregroundControl, privateServer, usePrivate, type PrivateServer, type Removable } from './private-server.js';
import { freePort } from './tcp-proxy.js';

/** How often the private server scrapes its targets, in seconds. */
export const SCRAPE_SECONDS = 1;

/** What this machine lacks to run a private Prometheus, or undefined when it has it. */
export function missingForPrometheus(): string | undefined {
  return prometheusBinary() === undefined ? 'prometheus (apt-get install prometheus)' : undefined;
}

function prometheusBinary(): string | undefined {
  return findBinary('prometheus', '/usr/bin/prometheus');
}

/** One scrape job: its name and the `host:port` targets whose `path` it scrapes. */
export interface ScrapeJob {
  job: string;
  targets: string[];
  /** Default /metrics. */
  path?: string;
}

/** Whether the server at `url` says it is ready. */
async function ready(url: string): Promise<boolean> {
  const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
  await response.body?.cancel();
  return response.ok;
}

/**
 * Starts a private Prometheus scraping `jobs` every SCRAPE_SECONDS (`url` is `http://127.0.0.1:PORT`), on
 * `port` when given (a test that must name the URL before the server runs picks it with freePort()).
 * `remove` (or process exit) ends it and removes its folder.
 */
export async function startPrivatePrometheus(jobs: readonly ScrapeJob[], port?: number): Promise<Removable<PrivateServer>> {
  const binary = prometheusBinary();
  if (binary === undefined) throw new Error('prometheus is not installed');
  const dir = scratchDir('prometheus');
  const listen = port ?? (await freePort());
  const config = [
    'global:',
    `  scrape_interval: ${SCRAPE_SECONDS}s`,
    `  scrape_timeout: ${SCRAPE_SECONDS}s`,
    `  evaluation_interval: ${SCRAPE_SECONDS}s`,
    'scrape_configs:',
    ...jobs.flatMap((j) => [`  - job_name: ${JSON.stringify(j.job)}`, `    metrics_path: ${JSON.stringify(j.path ?? '/metrics')}`, `    static_configs:`, `      - targets: ${JSON.stringify(j.targets)}`]),
  ].join('\n');
  writeFileSync(join(dir.path, 'prometheus.yml'), `${config}\n`);
  const url = `http://127.0.0.1:${listen}`;
  const args = [
    `--config.file=${join(dir.path, 'prometheus.yml')}`,
    `--storage.tsdb.path=${join(dir.path, 'data')}`,
    `--web.listen-address=127.0.0.1:${listen}`,
    '--storage.tsdb.retention.time=1h',
    '--log.level=warn',
  ];
  const control = foregroundControl(binary, args, `the private Prometheus on port ${listen}`, () => ready(url), 30_000);
  return privateServer({ port: listen, url, dir, control });
}

/**
 * A private Prometheus for the calling `describe`, scraping `jobs()` (read when the suite starts, so they may
 * name servers its own `before` hooks started first), removed after its tests.
 * @example const prom = usePrivatePrometheus(() => [{ job: 'fixture', targets: [target.address] }]);
 */
export function usePrivatePrometheus(jobs: () => ScrapeJob[]): () => PrivateServer {
  return usePrivate(missingForPrometheus, () => startPrivatePrometheus(jobs()), 60_000);
}

/** A loopback HTTP server answering `/metrics` with the exposition the test sets. */
export interface MetricsTarget {
  /** `127.0.0.1:PORT`, as a scrape target. */
  readonly address: string;
  /** The text served from now on. */
  exposition: string;
  close(): Promise<void>;
}

/** Starts a metrics target serving `exposition` (Prometheus text format). */
export async function startMetricsTarget(exposition: string): Promise<MetricsTarget> {
  const server: Server = createServer((req, res) => {
    if (req.url?.split('?')[0] !== '/metrics') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(target.exposition);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const target: MetricsTarget = {
    address: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    exposition,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return target;
}

/**
 * Waits until `promql` has a result on the server at `url` (the first scrape landed), at most `timeoutMs`.
 * @example await untilScraped(prom().url, 'up{job="fixture"} == 1');
 */
export async function untilScraped(url: string, promql: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await fetch(`${url}/api/v1/query?${new URLSearchParams({ query: promql })}`);
    const body = (await response.json()) as { data?: { result?: unknown[] } };
    if ((body.data?.result?.length ?? 0) > 0) return;
    if (Date.now() > deadline) throw new Error(`Prometheus at ${url} has no result for ${promql} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
