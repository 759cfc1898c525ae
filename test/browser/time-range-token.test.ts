/// <reference lib="dom" />
/**
 * The time-range picker under an embed token, in Chromium against a real server: a token that fixes the range
 * shows it disabled, saying why, with charts that do not zoom and no "Back to live"; a token that bounds it offers
 * only the choices within the bound, starts on the default cut to it, and "Back to live" goes back within it.
 */
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { signEmbedToken } from '../../core/embed-token.js';
import { launchChromium, needChromium, openPage, type TestPage } from '../support/browser.js';
import { SECRET } from '../support/embed.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** A token dashboard whose chart answers the whole range (the demo source with `:bucket`), defaulting to 24 hours. */
const SHOP = `id: shop
title: Shop over time
access: token
time: { default: 24h, choices: [5m, 1h, 6h, 24h, 7d], max: 30d }
widgets:
  - { id: revenue, title: Revenue, type: line, source: demo, query: { metric: revenue, bucket: ":bucket" }, every: 2s, y: [revenue], size: { w: 12, h: 4 } }
`;

const HOUR = 3_600_000;
const rangeSelect = (page: Page) => page.locator('rt-dashboard select[name="range"]');
const chart = (page: Page) => page.locator('rt-dashboard rt-chart[data-widget="revenue"]');

/** Waits until the chart has drawn data over a range `span` ms long. */
async function waitForChart(page: Page, span: number): Promise<void> {
  await page.waitForFunction(
    (want) => {
      const el = document.querySelector('rt-dashboard')?.shadowRoot?.querySelector('rt-chart[data-widget="revenue"]') as
        | (HTMLElement & { range?: { fromMs: number; toMs: number }; state?: { status: string } })
        | null;
      const drawn = (el?.shadowRoot?.querySelectorAll('.apexcharts-series path').length ?? 0) > 0;
      return drawn && el?.state?.status === 'ok' && el.range !== undefined && Math.abs(el.range.toMs - el.range.fromMs - want) < 1000;
    },
    span,
    { timeout: 15_000 },
  );
}

describe('the time-range picker under an embed token (in Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let server: TestServer;
  let tab: TestPage | undefined;
  let page: Page;
  before(async function () {
    needChromium(this);
    [browser, server] = await Promise.all([launchChromium(), startTestServer({ 'shop.yaml': SHOP }, {}, false, { embedSecret: SECRET })]);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
  afterEach(async () => {
    if (tab !== undefined) expect(tab.errors).to.deep.equal([]);
    await tab?.close();
    tab = undefined;
  });
  const sign = (claims: { range?: { from: string; to: string }; maxRangeMs?: number }) => signEmbedToken(SECRET, { dashboard: 'shop', ttlMs: 60_000, ...claims });
  const open = async (path: string): Promise<Page> => {
    tab = await openPage(browser);
    page = tab.page;
    await page.goto(server.server.url + path);
    return page;
  };

  it('shows a range the token fixes as the only one, disabled and saying why; charts do not zoom', async () => {
    await open(`/d/shop?token=${sign({ range: { from: 'now-2h', to: 'now' } })}`);
    await waitForChart(page, 2 * HOUR);
    const select = rangeSelect(page);
    expect(await select.isDisabled()).to.equal(true);
    expect(await select.inputValue()).to.equal('now-2h|now');
    expect(await select.locator('option').allInnerTexts()).to.deep.equal(['Last 2 hours']);
    expect(await select.getAttribute('title'), 'the picker says why it is disabled').to.equal('fixed to "the last 2 hours" by the embed token');
    expect(await chart(page).evaluate((el) => (el as HTMLElement & { zoomable?: boolean }).zoomable)).to.equal(false);
    await page.locator('rt-dashboard header[part="header"]').screenshot({ path: '/tmp/rt-range-token-fixed.png' });
  });

  it('shows a fixed absolute range by its two times, with no "Back to live"', async () => {
    const to = Math.floor(Date.now() / HOUR) * HOUR - HOUR;
    await open(`/d/shop?token=${sign({ range: { from: new Date(to - 3 * HOUR).toISOString(), to: new Date(to).toISOString() } })}`);
    await waitForChart(page, 3 * HOUR);
    expect(await rangeSelect(page).isDisabled()).to.equal(true);
    expect(await rangeSelect(page).locator('option').count()).to.equal(1);
    expect(await chart(page).evaluate((el) => (el as HTMLElement & { range?: { live: boolean } }).range?.live)).to.equal(false);
    expect(await page.getByRole('button', { name: 'Back to live' }).count()).to.equal(0);
  });

  it('offers only the choices within a bound, starts on the default cut to it, and goes back to live within it', async () => {
    const token = sign({ maxRangeMs: 6 * HOUR });
    await open(`/d/shop?token=${token}`);
    await waitForChart(page, 6 * HOUR);
    const select = rangeSelect(page);
    expect(await select.isDisabled()).to.equal(false);
    expect(await select.inputValue()).to.equal('now-6h|now');
    expect(await select.locator('option').allInnerTexts()).to.deep.equal(['Last 5 minutes', 'Last hour', 'Last 6 hours']);
    expect(await chart(page).evaluate((el) => (el as HTMLElement & { zoomable?: boolean }).zoomable)).to.equal(true);
    await page.locator('rt-dashboard header[part="header"]').screenshot({ path: '/tmp/rt-range-token-bounded.png' });
    await select.selectOption({ label: 'Last hour' });
    await page.waitForURL(/&from=now-1h&to=now$/);
    await waitForChart(page, HOUR);
    // From an absolute range (as after a zoom), "Back to live" goes to the default as the token cuts it, not the dashboard's 24 hours.
    const end = Math.floor(Date.now() / HOUR) * HOUR;
    await open(`/d/shop?token=${token}&from=${end - 2 * HOUR}&to=${end - HOUR}`);
    await waitForChart(page, HOUR);
    await page.getByRole('button', { name: 'Back to live' }).click();
    await page.waitForURL(/&from=now-6h&to=now$/);
    await waitForChart(page, 6 * HOUR);
    expect(await page.locator('rt-dashboard [part="notice"]').count(), 'nothing was refused').to.equal(0);
  });
});
