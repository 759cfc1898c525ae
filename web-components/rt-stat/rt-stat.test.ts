import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { seriesState } from '../../test/support/widget-state.js';
import { browserSuite, openPage, showFixture } from '../../test/support/browser.js';

/** The theme's health colours (client/theme.ts), as computed styles read them. */
const LIGHT = { ok: 'rgb(31, 138, 76)', warn: 'rgb(183, 121, 31)', error: 'rgb(199, 55, 47)' };

const definition = (extra: object = {}) => ({ id: 'revenue', title: 'Revenue per minute', type: 'stat', x: 'time', y: ['revenue'], unit: 'currency:EUR', size: { w: 3, h: 2 }, intervalMs: 1000, ...extra });
/** A state whose last value came just now, one value a second. */
const widgetState = (values: (number | null)[], extra: object = {}) => seriesState('revenue', values, extra);

describe('<rt-stat> (in Chromium)', function () {
  const suite = browserSuite();

  /** Shows one `<rt-stat>` with a definition and a state, once it has drawn them. */
  async function show(page: Page, def: object, state: object, attributes = '') {
    await showFixture(page, suite.server.server.url, `<div style="width:320px;height:180px"><rt-stat locale="en-US" ${attributes}></rt-stat></div>`);
    await setWidget(page, def, state);
  }
  const setWidget = (page: Page, def: object, state: object) =>
    page.locator('rt-stat').first().evaluate(
      async (el: any, [d, s]) => {
        el.definition = d;
        el.state = s;
        await el.updateComplete;
      },
      [def, state] as const,
    );
  const value = (page: Page) => page.locator('rt-stat [part~=value]');
  const trend = (page: Page) => page.locator('rt-stat [part~=trend]');

  it('shows the latest value big, formatted by the unit, in a polite live region', async () => {
    await show(suite.tab.page, definition(), widgetState([1520.5, 1611.25, 1580, null]));
    expect((await value(suite.tab.page).innerText()).trim()).to.equal('€1,580');
    expect(await value(suite.tab.page).getAttribute('aria-live')).to.equal('polite');
    expect(await suite.tab.page.locator('rt-stat h2').innerText()).to.equal('Revenue per minute');
    expect(suite.tab.errors).to.deep.equal([]);
  });

  it('takes the first number column when the widget names no y column', async () => {
    await show(suite.tab.page, definition({ y: undefined, unit: 'percent' }), widgetState([2.1, 2.8]));
    expect((await value(suite.tab.page).innerText()).trim()).to.equal('2.8%');
  });

  it('shows the trend against the previous value, or against the start of the window', async () => {
    await show(suite.tab.page, definition(), widgetState([1520.5, 1611.25, 1580]));
    expect(await trend(suite.tab.page).getAttribute('data-direction')).to.equal('down');
    expect(await trend(suite.tab.page).innerText()).to.match(/−€31\.25 \(−1\.9%\)\s+vs previous/);

    await suite.tab.page.locator('rt-stat').evaluate(async (el: any) => {
      el.trend = 'window';
      await el.updateComplete;
    });
    expect(await trend(suite.tab.page).getAttribute('data-direction')).to.equal('up');
    expect(await trend(suite.tab.page).innerText()).to.match(/\+€59\.50 \(\+3\.9%\)\s+vs 2 s ago/);
    expect(suite.tab.errors).to.deep.equal([]);
  });

  it('colours the value by the last threshold at or below it, named colours taking the theme’s', async () => {
    const thresholds = [
      { value: 0, color: 'green' },
      { value: 1, color: 'orange' },
      { value: 2.5, color: '#7a00ff' },
    ];
    const color = async (v: number) => {
      await setWidget(suite.tab.page, definition({ unit: 'percent', thresholds }), widgetState([0.2, v]));
      return value(suite.tab.page).evaluate((el: any) => el.ownerDocument.defaultView.getComputedStyle(el).color);
    };
    await show(suite.tab.page, definition({ unit: 'percent', thresholds }), widgetState([0.5]));
    expect(await color(0.4)).to.equal(LIGHT.ok);
    expect(await color(1.7)).to.equal(LIGHT.warn);
    expect(await color(3)).to.equal('rgb(122, 0, 255)');
  });

  it('draws a sparkline through the kept values as inline SVG', async () => {
    await show(suite.tab.page, definition(), widgetState([1, 2, null, 4, 5, 6]));
    const d = (await suite.tab.page.locator('rt-stat [part~=sparkline] path.line').getAttribute('d')) ?? '';
    // Five points, with a break where the value is missing.
    expect(d.match(/[ML]/g)).to.have.length(5);
    expect(d.match(/M/g)).to.have.length(2);
  });

  it('keeps the last value on screen under the error line, and shows a stale badge when data is late', async () => {
    const error = { code: 'RTDASH_QUERY_TIMEOUT', message: 'the query timed out' };
    await show(suite.tab.page, definition(), widgetState([1520.5, 1580], { status: 'error', error }));
    expect(await suite.tab.page.locator('rt-stat [part~=status][part~=error]').innerText()).to.equal('the query timed out · RTDASH_QUERY_TIMEOUT');
    expect((await value(suite.tab.page).innerText()).trim()).to.equal('€1,580');

    await setWidget(suite.tab.page, definition(), widgetState([1520.5, 1580], { lastGoodAt: Date.now() - 60_000 }));
    expect(await suite.tab.page.locator('rt-stat [part~=stale]').innerText()).to.equal('stale · 1 min old');
    expect(suite.tab.errors).to.deep.equal([]);
  });

  it('fits 320 px without overflowing, in light and dark (screenshots in /tmp/elements-stat-*.png)', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const shot = await openPage(suite.browser, { colorScheme, viewport: { width: 360, height: 640 } });
      const thresholds = [
        { value: 0, color: 'red' },
        { value: 2, color: 'orange' },
        { value: 2.8, color: 'green' },
      ];
      await showFixture(
        shot.page,
        suite.server.server.url,
        `<div id="box" style="width:320px;display:grid;gap:12px;grid-auto-rows:170px">
          <rt-stat locale="en-US"></rt-stat><rt-stat locale="en-US" trend="window"></rt-stat><rt-stat locale="en-US"></rt-stat></div>`,
      );
      const wave = Array.from({ length: 90 }, (_, i) => 1500 + 90 * Math.sin(i / 8) + 25 * Math.sin(i / 2));
      const stats = shot.page.locator('rt-stat');
      const states = [
        [definition(), widgetState(wave)],
        [definition({ title: 'Conversion', unit: 'percent', thresholds }), widgetState(wave.map((v) => v / 500))],
        [definition({ title: 'A long title that will not fit on one line of a narrow panel', unit: 'bytes' }), widgetState(wave.map((v) => v * 1e5), { lastGoodAt: Date.now() - 90_000 })],
      ] as const;
      for (const [i, [def, state]] of states.entries()) {
        await stats.nth(i).evaluate(
          async (el: any, [d, s]) => {
            el.definition = d;
            el.state = s;
            await el.updateComplete;
          },
          [def, state] as const,
        );
      }
      const overflow = await stats.evaluateAll((els: any[]) =>
        els.map((el) => {
          const base = el.shadowRoot.querySelector('[part~=base]');
          return [base.scrollWidth - base.clientWidth, el.getBoundingClientRect().width];
        }),
      );
      expect(overflow).to.deep.equal([[0, 320], [0, 320], [0, 320]]);
      expect(await shot.page.evaluate('document.documentElement.scrollWidth')).to.be.at.most(360);
      await shot.page.locator('#box').screenshot({ path: `/tmp/elements-stat-${colorScheme}.png` });
      expect(shot.errors).to.deep.equal([]);
      await shot.close();
    }
  });
});
