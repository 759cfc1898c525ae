import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { seriesState } from '../../test/support/widget-state.js';
import { browserSuite, openPage, showFixture } from '../../test/support/browser.js';

const THRESHOLDS = [
  { value: 0, color: 'green' },
  { value: 70, color: 'orange' },
  { value: 90, color: 'red' },
];
/** The theme's light health colours (client/theme.ts), as computed styles read them. */
const LIGHT = { ok: 'rgb(31, 138, 76)', warn: 'rgb(183, 121, 31)', error: 'rgb(199, 55, 47)' };

const definition = (extra: object = {}) => ({ id: 'cpu', title: 'Process CPU', type: 'gauge', x: 'time', y: ['cpu_percent'], unit: 'percent', size: { w: 2, h: 2 }, intervalMs: 1000, thresholds: THRESHOLDS, ...extra });
const widgetState = (values: (number | null)[], extra: object = {}) => seriesState('cpu_percent', values, extra);

describe('<rt-gauge> (in Chromium)', function () {
  const suite = browserSuite();

  const setWidget = (page: Page, def: object, state: object, nth = 0) =>
    page.locator('rt-gauge').nth(nth).evaluate(
      async (el: any, [d, s]) => {
        el.definition = d;
        el.state = s;
        await el.updateComplete;
      },
      [def, state] as const,
    );
  async function show(page: Page, def: object, state: object) {
    await showFixture(page, suite.server.server.url, `<div style="width:240px;height:200px"><rt-gauge locale="en-US"></rt-gauge></div>`);
    await setWidget(page, def, state);
  }
  const meter = (page: Page) => page.locator('rt-gauge [role=meter]');
  const stroke = (page: Page, selector: string) =>
    page.locator(`rt-gauge ${selector}`).evaluateAll((els: any[]) => els.map((el) => el.ownerDocument.defaultView.getComputedStyle(el).stroke));

  it('is a meter with the value, its range and its text, shown in the middle of the arc', async () => {
    await show(suite.tab.page, definition(), widgetState([20, 37.4]));
    const m = meter(suite.tab.page);
    expect(await m.getAttribute('aria-valuenow')).to.equal('37.4');
    expect(await m.getAttribute('aria-valuemin')).to.equal('0');
    expect(await m.getAttribute('aria-valuemax')).to.equal('100');
    expect(await m.getAttribute('aria-valuetext')).to.equal('37.4%');
    expect(await m.getAttribute('aria-label')).to.equal('Process CPU');
    expect(await suite.tab.page.locator('rt-gauge [part~=value]').textContent()).to.equal('37.4%');
    expect(suite.tab.errors).to.deep.equal([]);
  });

  it('draws the threshold bands on the arc and fills it in the colour of the value', async () => {
    await show(suite.tab.page, definition(), widgetState([93.2]));
    expect(await stroke(suite.tab.page, 'path.band')).to.deep.equal([LIGHT.ok, LIGHT.warn, LIGHT.error]);
    expect(await stroke(suite.tab.page, 'path.fill')).to.deep.equal([LIGHT.error]);
    expect(await suite.tab.page.locator('rt-gauge path.fill').getAttribute('stroke-dasharray')).to.equal('93.20 200');

    await setWidget(suite.tab.page, definition(), widgetState([50]));
    expect(await stroke(suite.tab.page, 'path.fill')).to.deep.equal([LIGHT.ok]);
  });

  it('takes min and max from the widget, keeping aria-valuenow inside them while the text says the truth', async () => {
    await show(suite.tab.page, definition({ unit: 'ms', min: 0, max: 1000, thresholds: undefined }), widgetState([1250]));
    const m = meter(suite.tab.page);
    expect(await m.getAttribute('aria-valuenow')).to.equal('1000');
    expect(await m.getAttribute('aria-valuetext')).to.equal('1.3\u00a0s');
    expect(await suite.tab.page.locator('rt-gauge text.limit').allTextContents()).to.deep.equal(['0\u00a0ms', '1\u00a0s']);
    expect(await suite.tab.page.locator('rt-gauge path.fill').getAttribute('stroke-dasharray')).to.equal('100.00 200');
  });

  it('shows a dash and no fill without a value, and keeps the last value under an error', async () => {
    await show(suite.tab.page, definition(), widgetState([null]));
    expect(await meter(suite.tab.page).getAttribute('aria-valuenow')).to.equal(null);
    expect(await meter(suite.tab.page).getAttribute('aria-valuetext')).to.equal('no value');
    expect(await suite.tab.page.locator('rt-gauge path.fill').count()).to.equal(0);

    await setWidget(suite.tab.page, definition(), widgetState([41], { status: 'error', error: { code: 'RTDASH_QUERY_FAILED', message: 'the query failed' } }));
    expect(await suite.tab.page.locator('rt-gauge [part~=error]').innerText()).to.equal('the query failed · RTDASH_QUERY_FAILED');
    expect(await meter(suite.tab.page).getAttribute('aria-valuenow')).to.equal('41');
    expect(suite.tab.errors).to.deep.equal([]);
  });

  it('fits 320 px without overflowing, in light and dark (screenshots in /tmp/elements-gauge-*.png)', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const shot = await openPage(suite.browser, { colorScheme, viewport: { width: 360, height: 640 } });
      await showFixture(
        shot.page,
        suite.server.server.url,
        `<div id="box" style="width:320px;display:grid;grid-template-columns:1fr 1fr;gap:12px">
          <rt-gauge locale="en-US" style="height:170px"></rt-gauge><rt-gauge locale="en-US" style="height:170px"></rt-gauge>
          <rt-gauge locale="en-US" style="grid-column:span 2;height:240px"></rt-gauge></div>`,
      );
      await setWidget(shot.page, definition(), widgetState([37.4]), 0);
      await setWidget(shot.page, definition({ title: 'Disk used' }), widgetState([93.2]), 1);
      await setWidget(
        shot.page,
        definition({ title: 'Revenue against target', unit: 'currency:EUR', max: 2_000_000, thresholds: [{ value: 0, color: 'red' }, { value: 1_000_000, color: 'green' }] }),
        widgetState([1_234_567], { lastGoodAt: Date.now() - 60_000 }),
        2,
      );
      const overflow = await shot.page.locator('rt-gauge').evaluateAll((els: any[]) =>
        els.map((el) => {
          const base = el.shadowRoot.querySelector('[part~=base]');
          return base.scrollWidth - base.clientWidth;
        }),
      );
      expect(overflow).to.deep.equal([0, 0, 0]);
      expect(await shot.page.evaluate('document.documentElement.scrollWidth')).to.be.at.most(360);
      await shot.page.locator('#box').screenshot({ path: `/tmp/elements-gauge-${colorScheme}.png` });
      expect(shot.errors).to.deep.equal([]);
      await shot.close();
    }
  });
});
