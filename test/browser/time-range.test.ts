/// <reference lib="dom" />
/**
 * A dashboard's time range in Chromium, against a real server and PostgreSQL: the picker changes the range and
 * the page's address, the address and the element's attributes set it, the keyboard works it, a drag across a
 * chart zooms to an absolute range and "Back to live" returns, and a refused range leaves the dashboard as it was.
 */
import { expect } from 'chai';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, needChromium, openPage, startSite, type Site, type TestPage } from '../support/browser.js';
import { needService, SERVICES } from '../support/services.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** One point per bucket over the whole range, straight from the database's clock: the chart must span the range. */
const RANGED = `id: ranged
title: Checkout load
time: { default: 1h, choices: [5m, 1h, 6h, 24h], max: 7d }
widgets:
  - id: load
    title: Load
    type: area
    source: pg
    query: |
      SELECT t, round((50 + 40 * sin(extract(epoch FROM t) / 900))::numeric, 2)::float8 AS load
      FROM generate_series(:from::timestamptz, :to::timestamptz, make_interval(secs => :bucket::int)) AS t
    every: 2s
    x: t
    y: [load]
    unit: percent
    size: { w: 12, h: 4 }
  - { id: users, title: Active users, type: line, source: demo, query: { metric: active_users }, x: time, y: [active_users], every: 1s, keep: 5m, size: { w: 12, h: 3 } }
`;
const PLAIN = `id: plain
title: No time range
widgets:
  - { id: users, title: Users, type: stat, source: demo, query: { metric: active_users }, x: time, y: [active_users], every: 1s, size: { w: 4, h: 2 } }
`;

const HOUR = 3_600_000;

/** The `<rt-chart>` of the load widget: its range (what its axis spans) and the times of its data. */
async function chartRange(page: Page): Promise<{ fromMs: number; toMs: number; live: boolean } | undefined> {
  return page.locator('rt-dashboard rt-chart[data-widget="load"]').evaluate((el) => (el as HTMLElement & { range?: { fromMs: number; toMs: number; live: boolean } }).range);
}

/** Waits until the chart spans `span` ms and has drawn data that covers it (within a bucket or two). */
async function waitForSpan(page: Page, span: number, timeout = 15_000): Promise<void> {
  await page.waitForFunction(
    (want) => {
      const el = document.querySelector('rt-dashboard')?.shadowRoot?.querySelector('rt-chart[data-widget="load"]') as
        | (HTMLElement & { range?: { fromMs: number; toMs: number }; state?: { status: string; frame: { fields: { values: number[] }[] } } })
        | null;
      const times = el?.state?.frame.fields[0]?.values ?? [];
      if (el?.range === undefined || el.state?.status !== 'ok' || times.length < 2) return false;
      const { fromMs, toMs } = el.range;
      const bucket = times[1]! - times[0]!;
      const drawn = (el.shadowRoot?.querySelectorAll('.apexcharts-series path').length ?? 0) > 0;
      return drawn && Math.abs(toMs - fromMs - want) < 1000 && times[0]! - fromMs <= 2 * bucket && toMs - times[times.length - 1]! <= 2 * bucket;
    },
    span,
    { timeout },
  );
}

const rangeSelect = (page: Page) => page.locator('rt-dashboard select[name="range"]');

describe('time ranges in the dashboard (in Chromium)', function () {
  this.timeout(60_000);
  let browser: Browser;
  let server: TestServer;
  let site: Site;
  let tab: TestPage | undefined;
  let page: Page;
  before(async function () {
    needChromium(this);
    await needService(this, 'postgres');
    [browser, site] = await Promise.all([launchChromium(), startSite('127.0.0.1')]);
    server = await startTestServer({ 'ranged.yaml': RANGED, 'plain.yaml': PLAIN }, {}, false, {
      origins: [site.origin],
      datasources: [{ name: 'pg', type: 'postgres', options: { url: SERVICES.postgres.url } }],
    });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await site?.close();
  });
  afterEach(async () => {
    if (tab !== undefined) expect(tab.errors).to.deep.equal([]);
    await tab?.close();
    tab = undefined;
  });
  const open = async (path: string, options: Parameters<typeof openPage>[1] = {}): Promise<Page> => {
    tab = await openPage(browser, options);
    page = tab.page;
    await page.goto(server.server.url + path);
    return page;
  };
  /** An embedding page of another site holding `body`. */
  const embed = async (body: string): Promise<Page> => {
    tab = await openPage(browser);
    page = tab.page;
    site.page('/embed.html', server.server.url, body);
    await page.goto(site.origin + '/embed.html');
    return page;
  };

  it('shows the default range, and a picked range changes the chart and the address; a reload keeps it', async () => {
    await open('/d/ranged');
    await waitForSpan(page, HOUR);
    expect(await rangeSelect(page).inputValue()).to.equal('now-1h|now');
    expect(await rangeSelect(page).locator('option').allInnerTexts()).to.deep.equal(['Last 5 minutes', 'Last hour', 'Last 6 hours', 'Last 24 hours']);
    expect(await page.getByLabel('Time range').count(), 'the picker is labelled').to.equal(1);
    // A chart whose query does not use the range stays live on its own window, and does not zoom.
    const users = page.locator('rt-dashboard rt-chart[data-widget="users"]');
    expect(await users.evaluate((el) => [(el as HTMLElement & { range?: unknown }).range, (el as HTMLElement & { zoomable?: boolean }).zoomable])).to.deep.equal([undefined, false]);
    await page.waitForFunction(() => (document.querySelector('rt-dashboard')?.shadowRoot?.querySelector('rt-chart[data-widget="users"]') as (HTMLElement & { state?: { status: string } }) | null)?.state?.status === 'ok');
    await rangeSelect(page).selectOption({ label: 'Last 6 hours' });
    await page.waitForURL(/\?from=now-6h&to=now$/);
    await waitForSpan(page, 6 * HOUR);
    expect(await chartRange(page)).to.include({ live: true });
    await page.reload();
    await waitForSpan(page, 6 * HOUR);
    expect(await rangeSelect(page).inputValue()).to.equal('now-6h|now');
  });

  it('takes the range from the address, relative or absolute', async () => {
    await open('/d/ranged?from=now-24h&to=now');
    await waitForSpan(page, 24 * HOUR);
    expect(await rangeSelect(page).inputValue()).to.equal('now-24h|now');
    const to = Math.floor(Date.now() / 1000) * 1000 - 2 * HOUR;
    const from = to - 3 * HOUR;
    await page.goto(`${server.server.url}/d/ranged?from=${from}&to=${to}`);
    await waitForSpan(page, 3 * HOUR);
    expect(await chartRange(page)).to.deep.include({ fromMs: from, toMs: to, live: false });
    // The picker names the absolute range by its times, and offers the way back to live.
    expect(await rangeSelect(page).inputValue()).to.equal(`${from}|${to}`);
    expect(await rangeSelect(page).locator('option:checked').innerText()).to.match(/\d{1,2}:\d{2}.*–/);
    await page.getByRole('button', { name: 'Back to live' }).waitFor();
    // Connected, but a fixed range does not move: the status does not say "Live".
    await page.getByRole('status').filter({ hasText: 'Connected, fixed range' }).waitFor();
  });

  it('takes the range from the from and to attributes, and follows them when they change', async () => {
    await embed(`<rt-dashboard server="${server.server.url}" dashboard="ranged" from="now-5m"></rt-dashboard>`);
    await waitForSpan(page, 5 * 60_000);
    expect(await rangeSelect(page).inputValue()).to.equal('now-5m|now');
    await page.locator('rt-dashboard').evaluate((el) => {
      el.setAttribute('from', 'now-24h');
      el.setAttribute('to', 'now');
    });
    await waitForSpan(page, 24 * HOUR);
    expect(await rangeSelect(page).inputValue()).to.equal('now-24h|now');
  });

  it('works from the keyboard: Tab reaches the picker, arrows change the range, Enter goes back to live', async () => {
    await open('/d/ranged');
    await waitForSpan(page, HOUR);
    const focused = () => page.evaluate(() => document.querySelector('rt-dashboard')?.shadowRoot?.activeElement?.getAttribute('name') ?? document.activeElement?.localName);
    for (let i = 0; i < 10 && (await focused()) !== 'range'; i++) await page.keyboard.press('Tab');
    expect(await focused()).to.equal('range');
    await page.keyboard.press('ArrowDown');
    await page.waitForURL(/\?from=now-6h&to=now$/);
    await waitForSpan(page, 6 * HOUR);
    // An absolute range (as after a zoom) gets a button after the picker, reached with Tab and pressed with Enter.
    const to = Math.floor(Date.now() / 1000) * 1000 - HOUR;
    await page.locator('rt-dashboard').evaluate(
      (el, [start, end]) => {
        el.setAttribute('from', String(start));
        el.setAttribute('to', String(end));
      },
      [to - HOUR, to],
    );
    await waitForSpan(page, HOUR);
    await page.getByRole('button', { name: 'Back to live' }).waitFor();
    await rangeSelect(page).focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.querySelector('rt-dashboard')?.shadowRoot?.activeElement?.textContent)).to.equal('Back to live');
    await page.keyboard.press('Enter');
    await waitForSpan(page, HOUR);
    expect(await chartRange(page)).to.include({ live: true });
    expect(await page.getByRole('button', { name: 'Back to live' }).count()).to.equal(0);
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`zooms to the range dragged across a chart, then goes back to the live range (${scheme} theme)`, async () => {
      // The range is picked by hand first: the picker must show it again after the zoom, not what it was opened with.
      await open('/d/ranged', { colorScheme: scheme });
      await rangeSelect(page).selectOption({ label: 'Last 6 hours' });
      await page.waitForURL(/\?from=now-6h&to=now$/);
      await waitForSpan(page, 6 * HOUR);
      await page.waitForTimeout(1000); // the chart's redraw for the new axis is animated: a drag must not start inside it
      await page.screenshot({ path: `/tmp/rt-range-${scheme}-live.png` });
      const live = (await chartRange(page))!;
      const plot = (await page.locator('rt-dashboard rt-chart[data-widget="load"] .apexcharts-grid').boundingBox())!;
      const y = plot.y + plot.height / 2;
      // Straight onto the plot and down: neither the tooltip it builds then nor live data mid-drag may lose the drag's start.
      await page.mouse.move(plot.x + plot.width * 0.3, y);
      await page.mouse.down();
      await page.mouse.move(plot.x + plot.width * 0.45, y, { steps: 6 });
      await page.waitForTimeout(2500); // a slow hand: the widget runs every 2 s, so fresh data arrives mid-drag
      await page.mouse.move(plot.x + plot.width * 0.6, y, { steps: 6 });
      await page.mouse.up();
      await page.waitForURL(/\?from=\d+&to=\d+$/);
      const url = new URL(page.url());
      const [from, to] = [Number(url.searchParams.get('from')), Number(url.searchParams.get('to'))];
      // A third of the width of six hours, give or take the plot's edges.
      const at = (t: number) => ((t - live.fromMs) / (live.toMs - live.fromMs)).toFixed(3);
      expect(to - from, `zoomed to ${at(from)}..${at(to)} of the plot ${JSON.stringify(plot)}`).to.be.within(1.5 * HOUR, 2.1 * HOUR);
      await waitForSpan(page, to - from);
      expect(await chartRange(page)).to.deep.include({ fromMs: from, toMs: to, live: false });
      // The live chart's data now ends where the range does (the server runs it once): it spans the range too, with its points.
      const users = page.locator('rt-dashboard rt-chart[data-widget="users"]');
      await page.waitForFunction(
        (end) => {
          const el = document.querySelector('rt-dashboard')?.shadowRoot?.querySelector('rt-chart[data-widget="users"]') as (HTMLElement & { range?: { toMs: number } }) | null;
          return el?.range?.toMs === end && (el.shadowRoot?.querySelectorAll('.apexcharts-series path').length ?? 0) > 0;
        },
        to,
      );
      expect(await users.evaluate((el) => (el as HTMLElement & { zoomable?: boolean }).zoomable)).to.equal(false);
      const back = page.getByRole('button', { name: 'Back to live' });
      await back.waitFor();
      await page.screenshot({ path: `/tmp/rt-range-${scheme}-zoomed.png` });
      await back.click();
      await page.waitForURL(/\?from=now-6h&to=now$/);
      await waitForSpan(page, 6 * HOUR);
      expect(await back.count()).to.equal(0);
      expect(await rangeSelect(page).inputValue(), 'the picker shows the live range again').to.equal('now-6h|now');
    });
  }

  it('shows why a range is refused and stays on the range it had, data and all', async () => {
    await open('/d/ranged');
    await waitForSpan(page, HOUR);
    const before = await chartRange(page);
    await page.locator('rt-dashboard').evaluate((el) => el.setAttribute('from', 'now-60d'));
    const notice = page.locator('rt-dashboard [part="notice"]');
    await notice.waitFor();
    expect(await notice.innerText()).to.match(/range|max|30d|7d/i);
    await page.screenshot({ path: '/tmp/rt-range-refused.png' });
    expect(await rangeSelect(page).inputValue()).to.equal('now-1h|now');
    expect(await page.locator('rt-dashboard').evaluate((el) => (el as HTMLElement & { from?: string }).from)).to.equal(undefined);
    expect(await chartRange(page)).to.deep.equal(before);
    await waitForSpan(page, HOUR);
    // The next good pick clears the notice.
    await rangeSelect(page).selectOption({ label: 'Last 5 minutes' });
    await waitForSpan(page, 5 * 60_000);
    expect(await notice.count()).to.equal(0);
  });

  // Server-sent events and polling carry the range in their address (from, to); an EventSource cannot read why it was refused.
  const OVER = [
    ['server-sent events', 'delete window.WebSocket;', 'Live (server-sent events)', /refused the time range now-60d to now/],
    ['polling', 'delete window.WebSocket; delete window.EventSource;', 'Live (polling)', /now-60d.*max of 7d/],
  ] as const;
  for (const [over, script, live, why] of OVER) {
    it(`picks ranges and keeps the data through a refused one over ${over}`, async () => {
      tab = await openPage(browser);
      page = tab.page;
      await page.addInitScript(script);
      site.page('/embed.html', server.server.url, `<rt-dashboard server="${server.server.url}" dashboard="ranged" from="now-6h"></rt-dashboard>`);
      await page.goto(site.origin + '/embed.html');
      await waitForSpan(page, 6 * HOUR);
      expect(await page.locator('rt-dashboard rt-status [part="label"]').innerText()).to.equal(live);
      await page.locator('rt-dashboard').evaluate((el) => el.setAttribute('from', 'now-60d'));
      const notice = page.locator('rt-dashboard [part="notice"]');
      await notice.waitFor({ timeout: 10_000 });
      expect(await notice.innerText()).to.match(why);
      expect(await rangeSelect(page).inputValue()).to.equal('now-6h|now');
      await waitForSpan(page, 6 * HOUR);
      await rangeSelect(page).selectOption({ label: 'Last 5 minutes' });
      await waitForSpan(page, 5 * 60_000);
      expect(await notice.count()).to.equal(0);
      // The browser logs the refusal's HTTP 400 as a failed load; nothing else may have gone wrong.
      const others = tab.errors.filter((e) => !/status of 400 \(Bad Request\)/.test(e));
      tab.errors.splice(0, tab.errors.length, ...others);
    });
  }

  it('shows a range refused from the start beside the dashboard at its default range', async () => {
    await embed(`<rt-dashboard server="${server.server.url}" dashboard="ranged" from="now-1x"></rt-dashboard>`);
    await waitForSpan(page, HOUR);
    expect(await page.locator('rt-dashboard [part="notice"]').innerText()).to.match(/now-1x|unit|range/i);
    expect(await rangeSelect(page).inputValue()).to.equal('now-1h|now');
  });

  it('fits the picker and "Back to live" into 320 px, and a range chart standing alone spans the default range', async () => {
    const to = Math.floor(Date.now() / 1000) * 1000 - HOUR;
    await open(`/d/ranged?from=${to - HOUR}&to=${to}`, { viewport: { width: 320, height: 700 }, colorScheme: 'dark' });
    await waitForSpan(page, HOUR);
    await page.getByRole('button', { name: 'Back to live' }).waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).to.be.at.most(320);
    await page.screenshot({ path: '/tmp/rt-range-320-dark.png' });
    await page.evaluate((server) => {
      const el = document.createElement('rt-chart');
      Object.assign(el, { server, dashboard: 'ranged', widget: 'load', id: 'alone' });
      document.body.append(el);
    }, server.server.url);
    await page.waitForFunction(() => {
      const el = document.getElementById('alone') as (HTMLElement & { range?: { fromMs: number; toMs: number }; state?: { status: string } }) | null;
      return el?.state?.status === 'ok' && el.range !== undefined && el.range.toMs - el.range.fromMs === 3_600_000;
    });
  });

  it('shows no picker on a dashboard without a time range', async () => {
    await open('/d/plain');
    await page.waitForFunction(() => (document.querySelector('rt-dashboard')?.shadowRoot?.querySelector('rt-stat[data-widget="users"]') as (HTMLElement & { state?: { status: string } }) | null)?.state?.status === 'ok');
    expect(await page.locator('rt-dashboard [part="range"]').count()).to.equal(0);
  });
});
