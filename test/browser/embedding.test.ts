/// <reference lib="dom" />
/**
 * A dashboard embedded in a page of another site, in Chromium: the two tags of docs/embedding.md on an
 * allowed origin, a token dashboard with a fixed variable, a site that is not allowed (the element says why),
 * and a token that expires while the page is open.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { packageRoot } from '../../core/paths.js';
import { launchChromium, needChromium, openPage, startSite, type Site, type TestPage } from '../support/browser.js';
import { LOCKED, SECRET, token } from '../support/embed.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { statusText, waitForData } from './dashboard-page.js';


const HELLO = `id: hello
title: Hello, rtdash
widgets:
  - { id: users, title: Active users, type: stat, source: demo, query: active_users, every: 1s }
`;

/** A token dashboard whose stat draws a sparkline of its kept values, beside a chart. */
const SHOP = `id: shop
title: Shop
access: token
variables:
  region: { type: select, options: [eu, us], default: eu }
widgets:
  - { id: orders, title: Orders, type: stat, source: test, query: { behave: counter, tag: "shop-:region" }, every: 100ms, keep: 200 }
  - { id: trend, title: Trend, type: line, source: test, query: { behave: counter, tag: "shop-trend-:region" }, every: 100ms, keep: 200 }
`;

/** The HTML block of docs/embedding.md's "The two tags", with the server's address put in. */
function twoTags(server: string): string {
  const doc = readFileSync(join(packageRoot, 'docs', 'embedding.md'), 'utf8');
  const block = /## The two tags[\s\S]*?```html\n([\s\S]*?)```/.exec(doc)?.[1];
  if (block === undefined) throw new Error('docs/embedding.md has no html block under "The two tags"');
  return block.replaceAll('http://127.0.0.1:8080', server);
}

/** The words the embedded dashboard shows in its message part, once it shows one. */
async function message(page: Page): Promise<string> {
  const part = page.locator('rt-dashboard [part="message"]');
  await part.waitFor({ timeout: 15_000 });
  return part.innerText();
}

/**
 * Checks that the dashboard runs on the token's fixed `region` ("us"): the refusal in words beside the status
 * (`live`), no message in place of the panels, the picker on the fixed value, disabled, saying why.
 */
async function fixedValueShown(page: Page, live: string): Promise<void> {
  const notice = page.locator('rt-dashboard [part="notice"]');
  await notice.waitFor({ timeout: 10_000 });
  expect(await notice.innerText()).to.include('variable "region" is fixed to "us"');
  expect(await page.locator('rt-dashboard [part="message"]').count(), 'no refusal in place of the panels').to.equal(0);
  const picker = page.locator('rt-dashboard select[name="region"]');
  expect(await picker.inputValue()).to.equal('us');
  expect(await picker.isDisabled()).to.equal(true);
  expect(await picker.getAttribute('title'), 'the picker says why it is disabled').to.equal('fixed to "us" by the embed token');
  expect(await statusText(page)).to.equal(live);
  // And the data goes on.
  const at = () => page.locator('rt-dashboard rt-stat[data-widget="orders"]').evaluate((el) => (el as HTMLElement & { state: { at: number } }).state.at);
  const first = await at();
  await page.waitForTimeout(500);
  expect(await at()).to.be.greaterThan(first);
}

describe('dashboards embedded in another site (in Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let server: TestServer;
  let tab: TestPage;
  // The second sites: one the server allows, one it does not.
  let allowed: Site;
  let stranger: Site;
  before(async function () {
    needChromium(this);
    [browser, allowed, stranger] = await Promise.all([launchChromium(), startSite('127.0.0.2'), startSite('127.0.0.3')]);
    server = await startTestServer({ 'hello.yaml': HELLO, 'locked.yaml': LOCKED, 'shop.yaml': SHOP }, {}, false, { origins: [allowed.origin], embedSecret: SECRET });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await allowed?.close();
    await stranger?.close();
  });
  /** Opens `body` as `path` of `site`, with the bundle from the rtdash server. */
  const visit = async (site: Site, path: string, body: string): Promise<void> => {
    site.page(path, server.server.url, body);
    await tab.page.goto(site.origin + path);
  };
  beforeEach(async () => {
    tab = await openPage(browser);
  });
  afterEach(async () => {
    await tab.close();
  });

  it('shows a public dashboard on an allowed site with the two tags of docs/embedding.md', async () => {
    await visit(allowed, '/embed.html', twoTags(server.server.url));
    await waitForData(tab.page, ['users']);
    expect(await tab.page.locator('rt-dashboard rt-stat [part~="value"]').innerText()).to.match(/\d/);
    expect(tab.errors).to.deep.equal([]);
  });

  it('shows a token dashboard with the token, its fixed variable shown as fixed', async () => {
    const signed = token('locked', { region: 'us' });
    await visit(allowed, '/shop.html', `<rt-dashboard server="${server.server.url}" dashboard="locked" token="${signed}"></rt-dashboard>`);
    await waitForData(tab.page, ['w']);
    const picker = tab.page.locator('rt-dashboard select[name="region"]');
    expect(await picker.inputValue()).to.equal('us');
    expect(await picker.isDisabled()).to.equal(true);
    expect(tab.errors).to.deep.equal([]);
  });

  // Over server-sent events the refusal is an HTTP status the EventSource cannot read: the page can only say what it asked for.
  const OVER = [
    ['a WebSocket', '', 'Live', 'variable "region" is fixed to "us"'],
    ['server-sent events', 'delete window.WebSocket;', 'Live (server-sent events)', 'the server refused region=eu'],
    ['polling', 'delete window.WebSocket; delete window.EventSource;', 'Live (polling)', 'variable "region" is fixed to "us"'],
  ] as const;
  for (const [over, script, live, why] of OVER) {
    it(`keeps showing the data when the page asks for a value the token fixes otherwise, and says why in the status line (${over})`, async () => {
      const signed = token('shop', { region: 'us' });
      await tab.page.addInitScript(script);
      await visit(allowed, '/shop.html', `<rt-dashboard server="${server.server.url}" dashboard="shop" token="${signed}"></rt-dashboard>`);
      await waitForData(tab.page, ['orders', 'trend']);
      const { page } = tab;
      // From here on the page records, every 20 ms, the fewest rows a panel held and whether one waited for data.
      const rowsBefore = await page.evaluate(async () => {
        const root = document.querySelector('rt-dashboard')!.shadowRoot!;
        const panels = ['orders', 'trend'].map((id) => root.querySelector(`[data-widget="${id}"]`) as HTMLElement & { state?: { frame: { fields: { values: unknown[] }[] } } });
        const rows = () => Math.min(...panels.map((p) => p.state?.frame.fields[0]?.values.length ?? 0));
        while (rows() < 5) await new Promise((resolve) => setTimeout(resolve, 50));
        const w = window as unknown as { fewest: number; waited: boolean };
        w.fewest = rows();
        w.waited = false;
        setInterval(() => {
          w.fewest = Math.min(w.fewest, rows());
          w.waited ||= panels.some((p) => /Waiting for data/.test(p.shadowRoot?.textContent ?? ''));
        }, 20);
        return w.fewest;
      });
      const lastTime = () => page.locator('rt-dashboard rt-stat[data-widget="orders"]').evaluate((el) => (el as HTMLElement & { state: { at: number } }).state.at);
  
      await page.locator('rt-dashboard').evaluate((el) => el.setAttribute('vars', 'region=eu'));
      const notice = page.locator('rt-dashboard [part="header"] [role="alert"]');
      await notice.waitFor({ timeout: 10_000 });
      expect(await notice.innerText()).to.include(why);
      const refused = await lastTime();
      await page.waitForTimeout(1000);
      const seen = await page.evaluate(() => {
        const w = window as unknown as { fewest: number; waited: boolean };
        return { fewest: w.fewest, waited: w.waited };
      });
      expect(seen.waited, 'no panel went back to "Waiting for data…"').to.equal(false);
      expect(seen.fewest, 'the kept history stayed').to.be.at.least(rowsBefore);
      expect(await lastTime(), 'the data goes on after the refusal').to.be.greaterThan(refused);
      expect(await page.locator('rt-dashboard rt-stat[data-widget="orders"] [part="sparkline"]').count()).to.equal(1);
      expect(await page.locator('rt-dashboard select[name="region"]').inputValue()).to.equal('us');
      expect(await statusText(page)).to.equal(live);
      expect(tab.errors.filter((e) => !/status of 403/.test(e))).to.deep.equal([]);
    });
  }

  // The first subscription asks for the refused value: the element asks again without it and goes live on the fixed one.
  for (const [over, script, live] of OVER) {
    it(`shows a dashboard live on the token's fixed value when the page asks for another from the start, and says why beside the status (${over})`, async () => {
      const signed = token('shop', { region: 'us' });
      await tab.page.addInitScript(script);
      await visit(allowed, '/shop.html', `<rt-dashboard server="${server.server.url}" dashboard="shop" token="${signed}" vars="region=eu"></rt-dashboard>`);
      await waitForData(tab.page, ['orders', 'trend']);
      await fixedValueShown(tab.page, live);
      expect(tab.errors.filter((e) => !/status of 403/.test(e))).to.deep.equal([]);
    });
  }

  it("shows the server's own page live on the token's fixed value when its address asks for another", async () => {
    const signed = token('shop', { region: 'us' });
    await tab.page.goto(`${server.server.url}/d/shop?token=${encodeURIComponent(signed)}&var-region=eu`);
    await waitForData(tab.page, ['orders', 'trend']);
    await fixedValueShown(tab.page, 'Live');
  });

  it('keeps a widget standing alone on its data when its vars are refused, and says why in its status line', async () => {
    const signed = token('shop', { region: 'us' });
    await visit(allowed, '/stat.html', `<script type="module" src="${server.server.url}/rt-dashboard.js"></script>
      <rt-stat server="${server.server.url}" dashboard="shop" widget="orders" token="${signed}"></rt-stat>`);
    const { page } = tab;
    const stat = page.locator('rt-stat');
    const held = () => stat.evaluate((el) => {
      const state = (el as HTMLElement & { state?: { at: number; frame: { fields: { values: unknown[] }[] } } }).state;
      return { rows: state?.frame.fields[0]?.values.length ?? 0, at: state?.at ?? 0 };
    });
    await page.waitForFunction(() => ((document.querySelector('rt-stat') as HTMLElement & { state?: { frame: { fields: { values: unknown[] }[] } } }).state?.frame.fields[0]?.values.length ?? 0) >= 5);
    const before = await held();
    await stat.evaluate((el) => el.setAttribute('vars', 'region=eu'));
    await stat.locator('[part~="status"]').filter({ hasText: 'fixed' }).waitFor({ timeout: 10_000 });
    expect(await stat.locator('[part~="status"]').innerText()).to.include('variable "region" is fixed to "us"');
    const refused = await held();
    await page.waitForTimeout(1000);
    const after = await held();
    expect(after.rows, 'the kept history stayed').to.be.at.least(before.rows);
    expect(after.at, 'the data goes on after the refusal').to.be.greaterThan(refused.at);
    expect(await stat.locator('[part="sparkline"]').count()).to.equal(1);
  });

  it("shows a widget standing alone on the token's fixed value when its vars ask for another from the start, and says why in its status line", async () => {
    const signed = token('shop', { region: 'us' });
    await visit(allowed, '/stat.html', `<script type="module" src="${server.server.url}/rt-dashboard.js"></script>
      <rt-stat server="${server.server.url}" dashboard="shop" widget="orders" token="${signed}" vars="region=eu"></rt-stat>`);
    const stat = tab.page.locator('rt-stat');
    await stat.locator('[part~="value"]').filter({ hasText: /\d/ }).waitFor({ timeout: 10_000 });
    expect(await stat.locator('[part~="status"]').innerText()).to.include('variable "region" is fixed to "us"');
  });

  it('shows nothing of a token dashboard without a token, and says a token is required', async () => {
    await visit(allowed, '/shop.html', `<rt-dashboard server="${server.server.url}" dashboard="locked"></rt-dashboard>`);
    expect(await message(tab.page)).to.match(/token/i);
    expect(await tab.page.locator('rt-dashboard rt-status').count(), 'no green "Live" beside a refusal').to.equal(0);
    expect(await tab.page.locator('rt-dashboard [data-widget]').count()).to.equal(0);
  });

  it('gets nothing on a site that is not allowed, and the element says why', async () => {
    await visit(stranger, '/embed.html', twoTags(server.server.url));
    expect(await message(tab.page)).to.include(`this site (${stranger.origin}) is not in server.origins`);
    expect(await tab.page.locator('rt-dashboard rt-status').count(), 'no green "Live" beside a refusal').to.equal(0);
    expect(await tab.page.locator('rt-dashboard [data-widget]').count()).to.equal(0);
  });

  it('tells why on a widget element standing alone on a site that is not allowed', async () => {
    await visit(stranger, '/stat.html', `<script type="module" src="${server.server.url}/rt-dashboard.js"></script>
      <rt-stat server="${server.server.url}" dashboard="hello" widget="users"></rt-stat>`);
    const status = tab.page.locator('rt-stat [part~="status"]');
    await status.filter({ hasText: 'Refused' }).waitFor({ timeout: 15_000 });
    expect(await status.innerText()).to.include(`this site (${stranger.origin}) is not in server.origins`);
    expect(await tab.page.locator('rt-stat [part~="value"]').innerText(), 'no value shown').not.to.match(/\d/);
  });

  it('says so when the token expires while the page is open, and stops', async () => {
    const shortLived = token('locked', { region: 'eu' }, 2500);
    await visit(allowed, '/shop.html', `<rt-dashboard server="${server.server.url}" dashboard="locked" token="${shortLived}"></rt-dashboard>`);
    await waitForData(tab.page, ['w']);
    expect(await message(tab.page)).to.match(/expired/);
    expect(await tab.page.locator('rt-dashboard rt-status').count(), 'no green "Live" beside a refusal').to.equal(0);
  });
});
