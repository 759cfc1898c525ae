/// <reference lib="dom" />
/**
 * The page through what goes wrong on the way: a server restart (the page says it is reconnecting, then
 * resumes with no gap and never shows a blank chart), a proxy that refuses WebSocket upgrades (SSE) and one
 * that breaks event streams too (polling), a browser without WebSocket (or EventSource) at all, and a source
 * that fails (the error over the last good data).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { bundledDashboardDir } from '../../core/paths.js';
import { launchChromium, needChromium, openPage, type TestPage } from '../support/browser.js';
import { startNoUpgradeProxy } from '../support/no-upgrade-proxy.js';
import { failing } from '../support/test-plugin.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { DATA_WIDGETS, pickVariable, statNumber, statusText, waitForData } from './dashboard-page.js';

const DEMO = readFileSync(join(bundledDashboardDir, 'demo.yaml'), 'utf8');

/** The times of a widget's data as the page holds it. */
function times(page: Page, id: string): Promise<number[]> {
  return page.locator(`rt-dashboard [data-widget="${id}"]`).evaluate((el) => {
    const frame = (el as HTMLElement & { state?: { frame: { fields: { type: string; values: number[] }[] } } }).state?.frame;
    return frame?.fields.find((f) => f.type === 'time')?.values ?? [];
  });
}

describe('the dashboard page when things go wrong (in Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let tab: TestPage | undefined;
  const servers: TestServer[] = [];
  before(async function () {
    needChromium(this);
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });
  afterEach(async () => {
    await tab?.close();
    tab = undefined;
    failing.clear();
    await Promise.all(servers.splice(0).map((s) => s.stop().catch(() => undefined)));
  });
  const serve = async (files: Record<string, string>, port?: number): Promise<TestServer> => {
    const server = await startTestServer(files, {}, false, port === undefined ? {} : { port });
    servers.push(server);
    return server;
  };

  it('says it is reconnecting while the server restarts, then resumes with no gap and no blank chart', async () => {
    const first = await serve({ 'demo.yaml': DEMO });
    tab = await openPage(browser);
    const { page } = tab;
    await page.goto(first.server.url + '/d/demo');
    await waitForData(page, DATA_WIDGETS);
    await page.locator('rt-dashboard rt-chart[data-widget="active-users"] .apexcharts-series path').first().waitFor();
    // From here on the page records, every 50 ms, the fewest points the chart ever held and drew.
    await page.evaluate(() => {
      const chart = document.querySelector('rt-dashboard')!.shadowRoot!.querySelector('[data-widget="active-users"]') as HTMLElement & { state?: { frame: { fields: { values: unknown[] }[] } } };
      const w = window as unknown as { fewest: number };
      w.fewest = Infinity;
      setInterval(() => {
        const held = chart.state?.frame.fields[0]?.values.length ?? 0;
        const drawn = chart.shadowRoot?.querySelectorAll('.apexcharts-series path').length ?? 0;
        w.fewest = Math.min(w.fewest, drawn > 0 ? held : 0);
      }, 50);
    });
    const before = await times(page, 'active-users');

    const port = Number(new URL(first.server.url).port);
    await first.stop();
    servers.splice(servers.indexOf(first), 1);
    await page.waitForFunction(() => {
      const label = document.querySelector('rt-dashboard')?.shadowRoot?.querySelector('rt-status')?.shadowRoot?.querySelector('[part="label"]');
      return /^Reconnecting/.test(label?.textContent ?? '');
    });
    await new Promise((resolve) => setTimeout(resolve, 2500)); // an outage of a few seconds, so there is something to miss

    await serve({ 'demo.yaml': DEMO }, port);
    await page.waitForFunction(() => {
      const label = document.querySelector('rt-dashboard')?.shadowRoot?.querySelector('rt-status')?.shadowRoot?.querySelector('[part="label"]');
      return label?.textContent === 'Live';
    }, undefined, { timeout: 20_000 });
    const last = before.at(-1)!;
    await page.waitForFunction(
      (after) => {
        const el = document.querySelector('rt-dashboard')!.shadowRoot!.querySelector('[data-widget="active-users"]') as HTMLElement & { state?: { frame: { fields: { type: string; values: number[] }[] } } };
        const t = el.state?.frame.fields.find((f) => f.type === 'time')?.values ?? [];
        return (t.at(-1) ?? 0) > after + 3000;
      },
      last,
      { timeout: 15_000 },
    );
    const resumed = await times(page, 'active-users');
    const across = resumed.filter((t) => t >= before[0]!);
    const steps = across.slice(1).map((t, i) => t - across[i]!);
    // No wider step across the outage than the chart's own spacing before it (a point per run, or per bucket of its range).
    const spacing = Math.max(...before.slice(1).map((t, i) => t - before[i]!));
    expect(Math.max(...steps), 'the widest step between points, across the outage').to.be.at.most(spacing);
    // The chart keeps 10 minutes of points: the window slides, so its count may end one point either way.
    expect(resumed.length).to.be.at.least(before.length - 1);
    expect(await page.evaluate(() => (window as unknown as { fewest: number }).fewest), 'the chart never went blank').to.be.greaterThan(0);
    expect(tab.errors.filter((e) => !/WebSocket|ERR_CONNECTION_REFUSED|Failed to load resource/.test(e))).to.deep.equal([]);
  });

  it('works over server-sent events when a proxy refuses WebSocket upgrades, variables included', async () => {
    const server = await serve({ 'demo.yaml': DEMO });
    const proxy = await startNoUpgradeProxy(server.server.url);
    try {
      tab = await openPage(browser);
      const { page } = tab;
      await page.goto(proxy.url + '/d/demo');
      await waitForData(page, DATA_WIDGETS);
      expect(await statusText(page)).to.equal('Live (server-sent events)');
      expect(proxy.upgradesRefused()).to.be.at.least(1);
      const everywhere = await statNumber(page, 'active-users-now');
      // Changing a variable replaces one event stream: nothing to reconnect, so the status stays as it is.
      await page.evaluate(() => {
        const w = window as unknown as { statuses: string[] };
        w.statuses = [];
        const status = document.querySelector('rt-dashboard')!.shadowRoot!.querySelector('rt-status')!;
        setInterval(() => w.statuses.push(status.shadowRoot?.querySelector('[part="label"]')?.textContent ?? ''), 20);
      });
      await pickVariable(page, 'region', 'eu');
      // The old stream keeps the panels filled until the new one's snapshot: wait until the panel holds the state
      // that snapshot brought (the view takes the snapshot a moment before its panels are given their states).
      await page.waitForFunction(() => {
        const host = document.querySelector('rt-dashboard') as HTMLElement & { view?: { vars?: Record<string, string>; widgets?: Map<string, unknown> } };
        const el = host.shadowRoot!.querySelector('[data-widget="active-users-now"]') as HTMLElement & { state?: { status: string } };
        const fresh = el.state !== undefined && el.state === host.view?.widgets?.get('active-users-now');
        return host.view?.vars?.region === 'eu' && fresh && el.state?.status === 'ok' && host.shadowRoot!.querySelector('select')?.value === 'eu';
      });
      expect(await statNumber(page, 'active-users-now')).to.be.lessThan(everywhere);
      await page.waitForTimeout(1500);
      const statuses = await page.evaluate(() => (window as unknown as { statuses: string[] }).statuses);
      expect([...new Set(statuses)], 'the status while the variable changed').to.deep.equal(['Live (server-sent events)']);
    } finally {
      await proxy.close();
    }
  });

  it('falls back to polling when event streams are broken too', async () => {
    const server = await serve({ 'demo.yaml': DEMO });
    const proxy = await startNoUpgradeProxy(server.server.url, /^\/sse/);
    try {
      tab = await openPage(browser);
      const { page } = tab;
      await page.goto(proxy.url + '/d/demo');
      await waitForData(page, DATA_WIDGETS);
      expect(await statusText(page)).to.equal('Live (polling)');
      const seen = (await times(page, 'active-users')).at(-1)!;
      await page.waitForFunction(
        (t) => {
          const el = document.querySelector('rt-dashboard')!.shadowRoot!.querySelector('[data-widget="active-users"]') as HTMLElement & { state?: { frame: { fields: { values: number[] }[] } } };
          return (el.state?.frame.fields[0]?.values.at(-1) ?? 0) > t;
        },
        seen,
        { timeout: 10_000 },
      );
    } finally {
      await proxy.close();
    }
  });

  // Scripts run before the page's own: a browser (or a policy) without the transports the client would use first.
  const NO_WEBSOCKET = {
    'a browser without WebSocket': 'delete window.WebSocket;',
    'a WebSocket constructor that throws': 'window.WebSocket = class { constructor() { throw new DOMException("blocked by policy", "SecurityError"); } };',
  };
  for (const [why, script] of Object.entries(NO_WEBSOCKET)) {
    it(`shows the dashboard over server-sent events in ${why}, and over polling without EventSource too`, async () => {
      const server = await serve({ 'demo.yaml': DEMO });
      for (const [transport, more] of [['server-sent events', ''], ['polling', 'delete window.EventSource;']] as const) {
        tab = await openPage(browser);
        const { page } = tab;
        await page.addInitScript(`${script} ${more}`);
        await page.goto(server.server.url + '/d/demo');
        await waitForData(page, DATA_WIDGETS);
        expect(await statusText(page)).to.equal(`Live (${transport})`);
        expect(tab.errors, `${why}, ${transport}`).to.deep.equal([]);
        await tab.close();
        tab = undefined;
      }
    });
  }

  it('shows a failing source’s error over its last good data, and recovers', async () => {
    const dashboard = `id: flaky
title: Flaky
widgets:
  - { id: w, title: Counter, type: line, source: test, query: { behave: counter, tag: browser-flip }, every: 200ms, keep: 100 }
`;
    const server = await serve({ 'flaky.yaml': dashboard });
    tab = await openPage(browser);
    const { page } = tab;
    await page.goto(server.server.url + '/d/flaky');
    await waitForData(page, ['w']);
    failing.add('browser-flip');
    const chart = page.locator('rt-dashboard rt-chart[data-widget="w"]');
    await chart.locator('[part~="error"]').waitFor();
    // The viewer reads the code and a plain sentence; the source's own words stay on the server.
    expect(await chart.locator('[part~="error"]').innerText()).to.equal('the query failed · RTDASH_QUERY_FAILED');
    // The chart may be between two draws at any one moment; what matters is that it shows the data under the error.
    await page.waitForFunction(() => {
      const el = document.querySelector('rt-dashboard')!.shadowRoot!.querySelector('rt-chart[data-widget="w"]')!;
      return el.shadowRoot!.querySelector('[part~="error"]') !== null && el.shadowRoot!.querySelectorAll('.apexcharts-series path').length > 0;
    }, undefined, { timeout: 5000 });
    failing.delete('browser-flip');
    await chart.locator('[part~="error"]').waitFor({ state: 'detached' });
  });
});
