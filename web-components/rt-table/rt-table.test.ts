import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { browserSuite, openPage, showFixture } from '../../test/support/browser.js';

const T0 = Date.UTC(2025, 10, 28, 14, 5, 9);
const definition = (extra: object = {}) => ({ id: 'orders', title: 'Recent orders', type: 'table', y: ['total'], unit: 'currency:EUR', size: { w: 12, h: 5 }, intervalMs: 2000, ...extra });
/** Orders as the demo source's `recent_orders` answers them, newest first. */
const orders = (rows: [string, string, number | null, number][]) => ({
  frame: {
    fields: [
      { name: 'time', type: 'time', values: rows.map(([, , , minutesAgo]) => T0 - minutesAgo * 60_000) },
      { name: 'order_id', type: 'string', values: rows.map(([id]) => id) },
      { name: 'region', type: 'string', values: rows.map(([, region]) => region) },
      { name: 'total', type: 'number', values: rows.map(([, , total]) => total) },
      { name: 'items', type: 'number', values: rows.map((_, i) => 1000 + i) },
    ],
  },
  status: 'ok',
  at: Date.now(),
  lastGoodAt: Date.now(),
  seq: 1,
});
const FIRST: [string, string, number | null, number][] = [
  ['A-10482', 'eu', 83.4, 0],
  ['A-10481', 'us', 1250, 1],
  ['A-10480', 'apac', null, 2],
  ['A-10479', 'eu', 12.5, 3],
];

describe('<rt-table> (in Chromium)', function () {
  const suite = browserSuite();

  const setWidget = (page: Page, def: object, state: object) =>
    page.locator('rt-table').evaluate(
      async (el: any, [d, s]) => {
        el.definition = d;
        el.state = s;
        await el.updateComplete;
      },
      [def, state] as const,
    );
  async function show(page: Page, def: object, state: object, width = 720) {
    await showFixture(page, suite.server.server.url, `<div style="width:${width}px;height:320px"><rt-table locale="en-US"></rt-table></div>`);
    await setWidget(page, def, state);
  }
  const column = (page: Page, n: number) => page.locator(`rt-table tbody tr td:nth-child(${n})`).allInnerTexts();
  const header = (page: Page, name: string) => page.locator('rt-table th', { hasText: name });
  /** Waits for the element's next render (it draws in an animation frame). */
  const settled = (page: Page) => page.locator('rt-table').evaluate((el: any) => el.updateComplete);

  it('shows one column per field: times as local date and time, y numbers by unit, other numbers plain', async () => {
    await show(suite.tab.page, definition(), orders(FIRST));
    expect(await suite.tab.page.locator('rt-table th').allInnerTexts()).to.deep.equal(['time', 'order_id', 'region', 'total', 'items']);
    const local = await suite.tab.page.evaluate(`new Intl.DateTimeFormat('en-US', { dateStyle: 'short', timeStyle: 'medium' }).format(${T0})`);
    expect((await column(suite.tab.page, 1))[0]).to.equal(local);
    expect(await column(suite.tab.page, 4)).to.deep.equal(['€83.40', '€1,250', '–', '€12.50']);
    expect(await column(suite.tab.page, 5)).to.deep.equal(['1,000', '1,001', '1,002', '1,003']);
    expect(suite.tab.errors).to.deep.equal([]);
  });

  it('sorts by a header when clicked, reverses on a second click, and says so with aria-sort', async () => {
    await show(suite.tab.page, definition(), orders(FIRST));
    const events: unknown[] = [];
    await suite.tab.page.exposeFunction('recordSort', (detail: unknown) => events.push(detail));
    await suite.tab.page.evaluate(`document.querySelector('rt-table').addEventListener('rt-sort-change', (e) => window.recordSort(e.detail))`);

    await header(suite.tab.page, 'total').locator('button').click();
    await settled(suite.tab.page);
    expect(await column(suite.tab.page, 4)).to.deep.equal(['€12.50', '€83.40', '€1,250', '–']);
    expect(await header(suite.tab.page, 'total').getAttribute('aria-sort')).to.equal('ascending');
    expect(await header(suite.tab.page, 'region').getAttribute('aria-sort')).to.equal(null);

    await header(suite.tab.page, 'total').locator('button').click();
    await settled(suite.tab.page);
    expect(await column(suite.tab.page, 4)).to.deep.equal(['€1,250', '€83.40', '€12.50', '–']);
    expect(await header(suite.tab.page, 'total').getAttribute('aria-sort')).to.equal('descending');
    expect(events).to.deep.equal([
      { column: 'total', direction: 'ascending' },
      { column: 'total', direction: 'descending' },
    ]);
  });

  it('sorts from the keyboard: the headers are buttons that take Enter and Space', async () => {
    await show(suite.tab.page, definition(), orders(FIRST));
    await header(suite.tab.page, 'region').locator('button').focus();
    await suite.tab.page.keyboard.press('Enter');
    await settled(suite.tab.page);
    expect(await column(suite.tab.page, 3)).to.deep.equal(['apac', 'eu', 'eu', 'us']);
    await suite.tab.page.keyboard.press('Space');
    await settled(suite.tab.page);
    expect(await column(suite.tab.page, 3)).to.deep.equal(['us', 'eu', 'eu', 'apac']);
    expect(await header(suite.tab.page, 'region').getAttribute('aria-sort')).to.equal('descending');
  });

  it('keeps the sort when new data arrives', async () => {
    await show(suite.tab.page, definition(), orders(FIRST));
    await header(suite.tab.page, 'total').locator('button').click();
    await settled(suite.tab.page);
    await setWidget(suite.tab.page, definition(), orders([['A-10483', 'us', 40, 0], ...FIRST.slice(0, 3)]));
    expect(await column(suite.tab.page, 4)).to.deep.equal(['€40.00', '€83.40', '€1,250', '–']);
    expect(await column(suite.tab.page, 2)).to.deep.equal(['A-10483', 'A-10482', 'A-10481', 'A-10480']);
    expect(await header(suite.tab.page, 'total').getAttribute('aria-sort')).to.equal('ascending');
    expect(suite.tab.errors).to.deep.equal([]);
  });

  it('keeps the last rows under an error line', async () => {
    await show(suite.tab.page, definition(), { ...orders(FIRST), status: 'error', error: { code: 'RTDASH_QUERY_TIMEOUT', message: 'the query timed out' } });
    expect(await suite.tab.page.locator('rt-table [part~=error]').innerText()).to.equal('the query timed out · RTDASH_QUERY_TIMEOUT');
    expect(await suite.tab.page.locator('rt-table tbody tr').count()).to.equal(4);
  });

  it('scrolls a wide table inside its panel at 320 px, in light and dark (screenshots in /tmp/elements-table-*.png)', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const shot = await openPage(suite.browser, { colorScheme, viewport: { width: 360, height: 640 } });
      await showFixture(shot.page, suite.server.server.url, `<div id="box" style="width:320px;height:300px"><rt-table locale="en-US" sort-by="total" sort-direction="descending"></rt-table></div>`);
      await setWidget(shot.page, definition(), { ...orders(FIRST), lastGoodAt: Date.now() - 30_000 });
      const sizes = await shot.page.locator('rt-table').evaluate((el: any) => {
        const [base, scroller] = ['[part~=base]', '[part~=scroller]'].map((part) => el.shadowRoot.querySelector(part));
        return { base: base.scrollWidth - base.clientWidth, scrolls: scroller.scrollWidth > scroller.clientWidth, width: el.getBoundingClientRect().width };
      });
      expect(sizes).to.deep.equal({ base: 0, scrolls: true, width: 320 });
      expect(await shot.page.evaluate('document.documentElement.scrollWidth')).to.be.at.most(360);
      await shot.page.locator('#box').screenshot({ path: `/tmp/elements-table-${colorScheme}.png` });
      expect(shot.errors).to.deep.equal([]);
      await shot.close();
    }
  });
});
