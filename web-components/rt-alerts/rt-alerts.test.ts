import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { browserSuite, openPage, showFixture } from '../../test/support/browser.js';

const MIN = 60_000;
/** Alerts in no particular order, as a later stream message could bring them. */
const ALERTS = (now: number) => [
  { rule: 'Checkout latency high', dashboard: 'demo', state: 'pending', severity: 'warning', summary: 'p95 above 800 ms for 2 min', since: now - 1 * MIN, labels: { region: 'us' }, value: 912 },
  { rule: 'Disk almost full', state: 'firing', severity: 'warning', summary: 'Volume /var at 91 %', since: now - 180 * MIN, labels: { host: 'db-1' } },
  { rule: 'Old incident', state: 'resolved', severity: 'critical', since: now - 2 * MIN },
  { rule: 'Error rate high', dashboard: 'demo', state: 'firing', severity: 'critical', summary: 'Error rate above 2.5 % in eu', since: now - 4 * MIN, labels: { region: 'eu' }, value: 3.1 },
  { rule: 'Queue backlog', state: 'nodata', severity: 'info', since: now - 5 * MIN },
  { rule: 'Cache misses', state: 'firing', severity: 'warning', since: now - 10 * MIN },
];
/** The theme's light health colours (client/theme.ts), as computed styles read them. */
const LIGHT = { warn: 'rgb(183, 121, 31)', error: 'rgb(199, 55, 47)', accent: 'rgb(47, 111, 222)' };

describe('<rt-alerts> (in Chromium)', function () {
  const suite = browserSuite();

  const setAlerts = (page: Page, alerts: object[], nth = 0) =>
    page.locator('rt-alerts').nth(nth).evaluate(async (el: any, list) => {
      el.alerts = list;
      await el.updateComplete;
    }, alerts);
  async function show(page: Page, alerts: object[]) {
    await showFixture(page, suite.server.server.url, `<div style="width:480px;height:420px"><rt-alerts label="Alerts" locale="en-US"></rt-alerts></div>`);
    await setAlerts(page, alerts);
  }
  const rules = (page: Page) => page.locator('rt-alerts .rule').allInnerTexts();

  it('lists firing alerts first, most severe and then newest first, then the others; resolved ones not at all', async () => {
    await show(suite.tab.page, ALERTS(Date.now()));
    expect(await rules(suite.tab.page)).to.deep.equal(['Error rate high', 'Cache misses', 'Disk almost full', 'Queue backlog', 'Checkout latency high']);
    expect(await suite.tab.page.locator('rt-alerts .since').allInnerTexts()).to.deep.equal(['firing · 4 min', 'firing · 10 min', 'firing · 3 h', 'no data · 5 min', 'pending · 1 min']);
    expect(await suite.tab.page.locator('rt-alerts h2').innerText()).to.equal('Alerts');
    // No stream state: nothing to wait for, so no "Waiting for data…".
    expect(await suite.tab.page.locator('rt-alerts [part~=status]').count()).to.equal(0);
    expect(suite.tab.errors).to.deep.equal([]);
  });

  it('shows the severity as a coloured badge in words, with the summary, labels and value', async () => {
    await show(suite.tab.page, ALERTS(Date.now()));
    const badges = suite.tab.page.locator('rt-alerts [part~=severity]');
    expect(await badges.allInnerTexts()).to.deep.equal(['CRITICAL', 'WARNING', 'WARNING', 'INFO', 'WARNING']);
    const colors = await badges.evaluateAll((els: any[]) => els.map((el) => el.ownerDocument.defaultView.getComputedStyle(el).color));
    expect(colors).to.deep.equal([LIGHT.error, LIGHT.warn, LIGHT.warn, LIGHT.accent, LIGHT.warn]);
    const first = suite.tab.page.locator('rt-alerts [part~=alert]').first();
    expect(await first.locator('.summary').innerText()).to.equal('Error rate above 2.5 % in eu');
    expect(await first.locator('.meta').innerText()).to.match(/demo\s+region=eu\s+value 3\.1/);
  });

  it('says "No alerts firing" when there are none to show', async () => {
    await show(suite.tab.page, [{ rule: 'Old incident', state: 'resolved', since: Date.now() }]);
    expect(await suite.tab.page.locator('rt-alerts [part~=empty]').innerText()).to.equal('No alerts firing');
    expect(await suite.tab.page.locator('rt-alerts [part~=list]').count()).to.equal(0);
  });

  it('announces a newly firing alert in a polite live region, not the ones already there', async () => {
    const now = Date.now();
    await show(suite.tab.page, ALERTS(now));
    const live = suite.tab.page.locator('rt-alerts [aria-live=polite]');
    expect(await live.textContent()).to.equal('');

    const fresh = { rule: 'Payments failing', state: 'firing', severity: 'critical', summary: 'Provider answers 502', since: now };
    await setAlerts(suite.tab.page, [...ALERTS(now), fresh]);
    expect(await live.textContent()).to.equal('Alert firing: Payments failing: Provider answers 502');
    expect((await rules(suite.tab.page))[0]).to.equal('Payments failing');

    // The same alert on the next update is no news; a pending one turning firing is.
    await setAlerts(suite.tab.page, [...ALERTS(now).map((a) => (a.rule === 'Checkout latency high' ? { ...a, state: 'firing' } : a)), fresh]);
    expect(await live.textContent()).to.equal('Alert firing: Checkout latency high: p95 above 800 ms for 2 min');
  });

  it('fits 320 px without overflowing, in light and dark (screenshots in /tmp/elements-alerts-*.png)', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const shot = await openPage(suite.browser, { colorScheme, viewport: { width: 360, height: 800 } });
      await showFixture(
        shot.page,
        suite.server.server.url,
        `<div id="box" style="width:320px;display:grid;gap:12px;grid-template-rows:460px 120px">
          <rt-alerts label="Alerts" locale="en-US"></rt-alerts><rt-alerts label="Alerts" locale="en-US"></rt-alerts></div>`,
      );
      const long = { rule: 'A rule with a rather long name that wraps', state: 'firing', severity: 'critical', summary: 'https://status.example.com/incidents/2025-11-28/very-long-identifier-without-spaces', since: Date.now() - 30_000, labels: { instance: 'web-frontend-eu-west-1a-7f9c' } };
      await setAlerts(shot.page, [long, ...ALERTS(Date.now())], 0);
      await setAlerts(shot.page, [], 1);
      const overflow = await shot.page.locator('rt-alerts').evaluateAll((els: any[]) =>
        els.map((el) => {
          const base = el.shadowRoot.querySelector('[part~=base]');
          return base.scrollWidth - base.clientWidth;
        }),
      );
      expect(overflow).to.deep.equal([0, 0]);
      expect(await shot.page.evaluate('document.documentElement.scrollWidth')).to.be.at.most(360);
      await shot.page.locator('#box').screenshot({ path: `/tmp/elements-alerts-${colorScheme}.png` });
      expect(shot.errors).to.deep.equal([]);
      await shot.close();
    }
  });
});
