/// <reference lib="dom" />
/**
 * The server's own pages in Chromium, on the demo dashboard: every widget shows data that moves, a variable
 * picked in the page changes the data and the URL, the layout stacks at 320 px, the dark theme, one
 * connection for a whole page, and the page keeps its data through a server restart.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { bundledDashboardDir } from '../../core/paths.js';
import { launchChromium, needChromium, openPage, type TestPage } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { DATA_WIDGETS, chartPoints, pickVariable, statNumber, statusText, waitForData } from './dashboard-page.js';

const DEMO = readFileSync(join(bundledDashboardDir, 'demo.yaml'), 'utf8');

describe('the dashboard page (in Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let server: TestServer;
  let tab: TestPage;
  let page: Page;
  before(async function () {
    needChromium(this);
    [browser, server] = await Promise.all([launchChromium(), startTestServer({ 'demo.yaml': DEMO })]);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
  afterEach(async () => {
    await tab?.close();
  });
  const open = async (path: string, options: Parameters<typeof openPage>[1] = {}): Promise<Page> => {
    tab = await openPage(browser, options);
    page = tab.page;
    await page.goto(server.server.url + path);
    return page;
  };

  it('shows every widget of the demo dashboard with data, and the figures move', async () => {
    await open('/d/demo');
    await waitForData(page, DATA_WIDGETS);
    expect(await statusText(page)).to.equal('Live');
    // Each chart drew its series; each stat shows a formatted figure; the table has rows.
    for (const id of ['revenue', 'active-users', 'response-time', 'orders-by-region']) expect(await chartPoints(page, id), id).to.be.greaterThan(0);
    expect(await page.locator('rt-table[data-widget="recent-orders"] tbody tr').count()).to.be.greaterThan(0);
    const value = page.locator('rt-dashboard rt-stat[data-widget="active-users-now"] [part~="value"]');
    const first = await value.innerText();
    expect(first).to.match(/\d/);
    await page.waitForFunction(
      (before) => {
        const stat = document.querySelector('rt-dashboard')?.shadowRoot?.querySelector('rt-stat[data-widget="active-users-now"]');
        return stat?.shadowRoot?.querySelector('[part~="value"]')?.textContent?.trim() !== before.trim();
      },
      first,
      { timeout: 8000 },
    );
    expect(tab.errors).to.deep.equal([]);
  });

  it('changes the data and the URL when a viewer picks a variable value', async () => {
    await open('/d/demo');
    await waitForData(page, ['active-users-now']);
    const everywhere = await statNumber(page, 'active-users-now');
    await pickVariable(page, 'region', 'apac');
    await page.waitForURL(/[?&]var-region=apac\b/);
    await page.waitForFunction(() => {
      const dash = document.querySelector('rt-dashboard') as (HTMLElement & { definition?: unknown }) | null;
      const stat = dash?.shadowRoot?.querySelector('rt-stat[data-widget="active-users-now"]') as (HTMLElement & { state?: { status: string } }) | null;
      return stat?.state?.status === 'ok';
    });
    const apac = await statNumber(page, 'active-users-now');
    expect(apac, 'one region has fewer users than all of them').to.be.lessThan(everywhere);
    // The link shares the view: opening it shows the same choice.
    await page.reload();
    expect(await page.locator('rt-dashboard select[name="region"]').inputValue()).to.equal('apac');
    expect(tab.errors).to.deep.equal([]);
  });

  it('stacks the panels in one column at 320 px without horizontal scrolling', async () => {
    await open('/d/demo', { viewport: { width: 320, height: 800 } });
    await waitForData(page, DATA_WIDGETS);
    const lefts = await page.locator('rt-dashboard [part~="panel"]').evaluateAll((els) => els.map((el) => Math.round(el.getBoundingClientRect().left)));
    expect(new Set(lefts).size, 'every panel starts at the same x').to.equal(1);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).to.be.at.most(320);
  });

  it('follows the dark preference of the system, and theme=dark in the URL', async () => {
    const panelBackground = () => page.locator('rt-dashboard [part~="panel"]').first().evaluate((el) => getComputedStyle(el).backgroundColor);
    await open('/d/demo', { colorScheme: 'dark' });
    await waitForData(page, ['revenue']);
    expect(await panelBackground()).to.equal('rgb(23, 28, 37)');
    await tab.close();
    await open('/d/demo?theme=dark', { colorScheme: 'light' });
    await waitForData(page, ['revenue']);
    expect(await panelBackground()).to.equal('rgb(23, 28, 37)');
    await tab.close();
    await open('/d/demo', { colorScheme: 'light' });
    expect(await panelBackground()).to.equal('rgb(255, 255, 255)');
  });

  it('opens one connection for a whole page, however many elements it holds', async () => {
    tab = await openPage(browser);
    page = tab.page;
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await page.goto(server.server.url + '/d/demo');
    await waitForData(page, DATA_WIDGETS);
    await page.evaluate((server) => {
      for (const widget of ['revenue-now', 'revenue']) {
        const el = document.createElement(widget === 'revenue' ? 'rt-chart' : 'rt-stat');
        el.setAttribute('server', server);
        el.setAttribute('dashboard', 'demo');
        el.setAttribute('widget', widget);
        el.id = `alone-${widget}`;
        document.body.append(el);
      }
    }, server.server.url);
    await page.waitForFunction(() => (document.getElementById('alone-revenue-now') as (HTMLElement & { state?: { status: string } }) | null)?.state?.status === 'ok');
    expect(sockets).to.have.length(1);
  });

  it('lists the dashboards on / and opens one from there', async () => {
    await open('/');
    await page.locator('rt-dashboard-list a', { hasText: 'Shop overview' }).click();
    await page.waitForURL(/\/d\/demo$/);
    await waitForData(page, ['revenue']);
    expect(tab.errors).to.deep.equal([]);
  });
});
