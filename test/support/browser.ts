/**
 * Debian's Chromium driven by playwright-core, for tests of the elements in a real browser. Never a downloaded
 * browser: without /usr/bin/chromium the suite says so in one line and skips (or fails, with CI set).
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { SERVICES } from './services.js';
import { startTestServer, type TestServer } from './test-server.js';

/** The flags every launch uses: headless, and no traffic beyond loopback. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

/** Use in a mocha `before`: skips the suite when Chromium is not installed, or fails it when `CI` is set. */
export function needChromium(ctx: Mocha.Context): void {
  if (existsSync(SERVICES.chromium.path)) return;
  if (process.env.CI) throw new Error(`Chromium is not installed at ${SERVICES.chromium.path}, and CI is set: apt-get install -y chromium (see .ci/run)`);
  console.log(`      (skipped: Chromium is not installed at ${SERVICES.chromium.path}; apt-get install -y chromium)`);
  ctx.skip();
}

/** Starts Chromium, with `extraArgs` after the usual flags; close it in `after`. */
export function launchChromium(extraArgs: string[] = []): Promise<Browser> {
  return chromium.launch({ executablePath: SERVICES.chromium.path, args: [...CHROMIUM_ARGS, ...extraArgs], headless: true });
}

/** A page and what went wrong on it: uncaught exceptions and console errors, which tests assert are empty. */
export interface TestPage {
  page: Page;
  errors: string[];
  close(): Promise<void>;
}

/** Opens a page in a fresh context (its own storage), collecting page errors. */
export async function openPage(browser: Browser, options: BrowserContextOptions = {}): Promise<TestPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...options });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  return { page, errors, close: () => context.close() };
}

/**
 * Shows `body` as an HTML page at `origin` + `path` (answered by the browser itself, so the origin needs no
 * server of its own), with the bundle loaded from `server`. For a page of another site use startSite: Chromium
 * counts a page it made up as public, and public pages may not reach loopback.
 * @example await showFixture(page, server.url, '<rt-text content="hi"></rt-text>');
 */
export async function showFixture(page: Page, server: string, body: string, origin = server, path = '/__fixture'): Promise<void> {
  const url = origin + path;
  await page.route(url, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: fixtureHtml(server, body) }));
  await page.goto(url);
  await page.waitForFunction("customElements.get('rt-text') !== undefined");
}

/** A page holding `body`, with the bundle loaded from `server`. */
function fixtureHtml(server: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<script type="module" src="${server}/rt-dashboard.js"></script></head><body>${body}</body></html>`;
}

/** A second web site on loopback: a real HTTP server on its own address, serving the pages a test gives it. */
export interface Site {
  /** `http://HOST:PORT`, the origin its pages have. */
  origin: string;
  /** Serves `body` (wrapped with the bundle from `server`, as showFixture does) at `path`. */
  page(path: string, server: string, body: string): void;
  close(): Promise<void>;
}

/**
 * Starts a second site on `host` (127.0.0.2, 127.0.0.3: every 127.x address is loopback on Linux). It is a
 * real server rather than a page the browser makes up, because Chromium treats a made-up page as a public
 * site, and a public site may not reach a loopback server at all.
 */
export async function startSite(host: string): Promise<Site> {
  const pages = new Map<string, string>();
  const server = createServer((req, res) => {
    const html = pages.get(req.url ?? '');
    if (req.url === '/favicon.ico') return void res.writeHead(204).end(); // a browser asks; a 404 would read as a page error
    res.writeHead(html === undefined ? 404 : 200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html ?? 'not found');
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const origin = `http://${host}:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    page: (path, bundleServer, body) => pages.set(path, fixtureHtml(bundleServer, body)),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** What a browser suite uses: Chromium and a test server for the whole suite, a fresh page for each test. */
export interface BrowserSuite {
  browser: Browser;
  server: TestServer;
  tab: TestPage;
  /** A second site on loopback that the server allows, for pages that stream (made-up pages may not reach loopback). */
  site: Site;
}

/**
 * Registers the mocha hooks of a browser suite (call it inside `describe`) and returns what they set up, to
 * be read inside the tests. Skips the suite without Chromium (fails it with CI set).
 * @example const suite = browserSuite(); it('…', () => showFixture(suite.tab.page, suite.server.server.url, '<rt-stat></rt-stat>'));
 */
export function browserSuite(files: Record<string, string> = {}): BrowserSuite {
  const suite = {} as BrowserSuite;
  before(async function () {
    needChromium(this);
    [suite.browser, suite.site] = await Promise.all([launchChromium(), startSite('127.0.0.1')]);
    suite.server = await startTestServer(files, {}, false, { origins: [suite.site.origin] });
  });
  after(async () => {
    await suite.browser?.close();
    await suite.server?.stop();
    await suite.site?.close();
  });
  beforeEach(async () => {
    suite.tab = await openPage(suite.browser);
  });
  afterEach(async () => {
    await suite.tab?.close();
  });
  return suite;
}

/** What a browser suite whose tests start their own servers uses: Chromium for the whole suite, and per test a page and servers. */
export interface OwnServersSuite {
  browser: Browser;
  /** The test's page, if it opened one: closed after the test. */
  tab: TestPage | undefined;
  /** The servers the test started: stopped after it. */
  servers: TestServer[];
}

/**
 * Registers the mocha hooks of a browser suite whose tests start their own servers (with their own limits, or
 * on a port a restart reuses), and returns what they set up. Skips the suite without Chromium, as browserSuite.
 * @example const suite = ownServersSuite(); it('…', async () => { suite.servers.push(await startTestServer(files)); suite.tab = await openPage(suite.browser); });
 */
export function ownServersSuite(): OwnServersSuite {
  const suite: OwnServersSuite = { browser: undefined as unknown as Browser, tab: undefined, servers: [] };
  before(async function () {
    needChromium(this);
    suite.browser = await launchChromium();
  });
  after(async () => {
    await suite.browser?.close();
  });
  afterEach(async () => {
    await suite.tab?.close();
    suite.tab = undefined;
    await Promise.all(suite.servers.splice(0).map((s) => s.stop().catch(() => undefined)));
  });
  return suite;
}
