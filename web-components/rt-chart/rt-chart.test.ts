import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { browserSuite, openPage, showFixture } from '../../test/support/browser.js';

const revenue = (extra: object = {}) => ({ id: 'revenue', title: 'Revenue per minute', type: 'line', x: 'time', y: ['revenue'], unit: 'currency:EUR', min: 0, size: { w: 8, h: 4 }, intervalMs: 1000, keep: { ms: 600_000 }, ...extra });
const latency = (extra: object = {}) => ({ id: 'latency', title: 'Response time', type: 'line', x: 'time', y: ['p50', 'p95', 'p99'], unit: 'ms', size: { w: 6, h: 4 }, intervalMs: 1000, keep: { ms: 600_000 }, ...extra });
const byRegion = { id: 'orders', title: 'Orders in the last hour', type: 'bar', x: 'region', y: ['orders'], unit: 'count', size: { w: 4, h: 4 }, intervalMs: 1000 };

/** A state with one row a second up to now: a time column and the given number columns. */
function series(columns: Record<string, (number | null)[]>, extra: object = {}) {
  const now = Date.now();
  const rows = Object.values(columns)[0]!.length;
  return {
    frame: {
      fields: [
        { name: 'time', type: 'time', values: Array.from({ length: rows }, (_, i) => now - (rows - 1 - i) * 1000) },
        ...Object.entries(columns).map(([name, values]) => ({ name, type: 'number', values })),
      ],
    },
    status: 'ok',
    at: now,
    lastGoodAt: now,
    seq: 1,
    ...extra,
  };
}
const regions = () => ({ frame: { fields: [{ name: 'region', type: 'string', values: ['eu', 'us', 'apac'] }, { name: 'orders', type: 'number', values: [412, 367, 158] }] }, status: 'ok', at: Date.now(), lastGoodAt: Date.now(), seq: 1 });
const wave = (n: number, base: number, amplitude: number, phase = 0) => Array.from({ length: n }, (_, i) => Math.round(base + amplitude * Math.sin(i / 9 + phase) + (amplitude / 4) * Math.sin(i / 2.5 + phase)));

describe('<rt-chart> (in Chromium)', function () {
  const suite = browserSuite();

  /** Gives the `nth` chart a definition and a state, and waits until ApexCharts has drawn them. */
  const setWidget = (page: Page, def: object, state: object, nth = 0) =>
    page.locator('rt-chart').nth(nth).evaluate(
      async (el: any, [d, s]) => {
        el.definition = d;
        el.state = s;
        await el.updateComplete;
        for (let i = 0; i < 200 && el.shadowRoot.querySelector('.apex svg') === null; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      },
      [def, state] as const,
    );
  async function show(page: Page, def: object, state: object) {
    await showFixture(page, suite.server.server.url, `<div style="width:640px;height:320px"><rt-chart locale="en-US"></rt-chart></div>`);
    await setWidget(page, def, state);
  }
  const chart = (page: Page) => page.locator('rt-chart').first();
  const lines = (page: Page) => page.locator('rt-chart path.apexcharts-line');

  it('fetches ApexCharts only once a chart is on the page', async () => {
    const requested: string[] = [];
    suite.tab.page.on('request', (request) => requested.push(new URL(request.url()).pathname));
    await showFixture(suite.tab.page, suite.server.server.url, `<rt-stat></rt-stat><div id="later" style="width:640px;height:320px"></div>`);
    await suite.tab.page.waitForLoadState('networkidle');
    expect(requested.filter((path) => path.includes('apexcharts'))).to.deep.equal([]);
    expect(requested).to.include('/rt-dashboard.js');

    await suite.tab.page.evaluate(`document.getElementById('later').append(Object.assign(document.createElement('rt-chart'), { locale: 'en-US' }))`);
    await setWidget(suite.tab.page, revenue(), series({ revenue: [1520, 1611, 1580] }));
    expect(requested.filter((path) => /^\/chunks\/apexcharts[\w.-]*\.js$/.test(path))).to.have.length(1);
    expect(await lines(suite.tab.page).count()).to.equal(1);
    expect(suite.tab.errors).to.deep.equal([]);
  });

  it('draws one path per y column, on a time axis that ends now and spans the kept window', async () => {
    await show(suite.tab.page, latency(), series({ p50: wave(120, 120, 15), p95: wave(120, 340, 40), p99: wave(120, 780, 120) }));
    expect(await lines(suite.tab.page).count()).to.equal(3);
    const axis = await chart(suite.tab.page).evaluate((el: any) => ({ min: el.chart.w.config.xaxis.min, max: el.chart.w.config.xaxis.max, now: Date.now() }));
    expect(axis.max - axis.min).to.equal(600_000);
    expect(axis.now - axis.max).to.be.within(-2000, 5000);
    expect(await chart(suite.tab.page).locator('.apexcharts-legend-text').allInnerTexts()).to.deep.equal(['p50', 'p95', 'p99']);
  });

  it('names its plot for assistive technology: title, chart type and the latest values', async () => {
    await show(suite.tab.page, revenue(), series({ revenue: [1520.5, 1611.25, 1580] }));
    const plot = chart(suite.tab.page).locator('[part~=plot]');
    expect(await plot.getAttribute('role')).to.equal('img');
    expect(await plot.getAttribute('aria-label')).to.equal('Revenue per minute, line chart, latest €1,580');

    await setWidget(suite.tab.page, latency({ type: 'area' }), series({ p50: [110, 120], p95: [330, 340], p99: [700, null] }));
    expect(await plot.getAttribute('aria-label')).to.equal('Response time, area chart, latest p50 120\u00a0ms, p95 340\u00a0ms, p99 700\u00a0ms');
  });

  it('keeps the points it hands ApexCharts bounded however many updates arrive', async function () {
    this.timeout(40_000);
    await show(suite.tab.page, revenue({ keep: { points: 60 } }), series({ revenue: [1000] }));
    const lengths = await chart(suite.tab.page).evaluate(async (el: any) => {
      const start = Date.now() - 500_000;
      const time: number[] = [];
      const values: number[] = [];
      for (let i = 0; i < 500; i++) {
        // The frame grows without end here (a careless page); the chart must still show only its window.
        time.push(start + i * 1000);
        values.push(1000 + (i % 17));
        // `at` is the simulated server's clock, a second a step: the window ends there, whatever this loop's pace.
        const at = start + i * 1000;
        el.state = { frame: { fields: [{ name: 'time', type: 'time', values: time.slice() }, { name: 'revenue', type: 'number', values: values.slice() }] }, status: 'ok', at, lastGoodAt: at, seq: i };
        // Several appends within one frame draw once, as on a busy page; every fifth waits for the redraw.
        if (i % 5 === 4) await el.updateComplete;
      }
      // Redraws go through the shared draw queue: the last one lands within a frame or two of the last update.
      await el.updateComplete;
      await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
      const w = el.chart.w;
      return { shown: w.config.series[0].data.length, initial: w.globals.initialSeries[0].data.length, last: w.config.series[0].data.at(-1)[1], paths: el.shadowRoot.querySelectorAll('path.apexcharts-line').length };
    });
    expect(lengths).to.deep.equal({ shown: 60, initial: 60, last: 1000 + (499 % 17), paths: 1 });
    expect(suite.tab.errors).to.deep.equal([]);
  });

  it('draws exactly what ApexCharts draws untouched, with no layout forced per label once labels are known', async () => {
    // The first draw of a page runs before the shortcuts are installed (they wrap ApexCharts once it has rendered).
    // The same data drawn again with them must give the same SVG, element for element and attribute for attribute,
    // the first time (measuring labels and remembering them) and the next (from what was remembered).
    // With a legend (three series) and without one (a single series: its legend's box is not read).
    const cases = [
      { def: latency({ type: 'area' }), state: series({ p50: wave(300, 120, 15), p95: wave(300, 340, 40, 1), p99: wave(300, 780, 120, 2) }), boxReads: 2 },
      { def: revenue(), state: series({ revenue: wave(300, 1500, 120) }), boxReads: 0 },
    ];
    for (const { def, state, boxReads } of cases) {
      await show(suite.tab.page, def, state);
      const drawings = await chart(suite.tab.page).evaluate(async (el: any) => {
        // svg.js numbers its elements and ApexCharts names gradients and markers at random: names, not drawing.
        const svg = () =>
          el.shadowRoot
            .querySelector('.apex svg')
            .outerHTML.replace(/Svgjs(\w+?)\d+/g, 'Svgjs$1')
            .replace(/(Gradient|gridRectMask|gridRectBarMask|gridRectMarkerMask|forecastMask|nonForecastMask)\w*/g, '$1')
            .replace(/apexcharts-marker w\w+/g, 'apexcharts-marker');
        /** Redraws with the same data and window, the way the chart redraws on new data; counts the layout reads. */
        const redraw = async () => {
          const calls = { getBBox: 0, getComputedStyle: 0, getBoundingClientRect: 0 };
          const { getBBox } = SVGGraphicsElement.prototype;
          const { getBoundingClientRect } = Element.prototype;
          Element.prototype.getBoundingClientRect = function (this: Element) {
            calls.getBoundingClientRect++;
            return getBoundingClientRect.call(this);
          };
          const { getComputedStyle } = window;
          SVGGraphicsElement.prototype.getBBox = function (this: SVGGraphicsElement, ...args: []) {
            calls.getBBox++;
            return getBBox.apply(this, args);
          };
          window.getComputedStyle = (...args: Parameters<typeof getComputedStyle>) => {
            calls.getComputedStyle++;
            return getComputedStyle(...args);
          };
          try {
            const { series, xaxis } = el.chart.w.config;
            const data = series.map((s: any) => ({ name: s.name, data: structuredClone(s.data) }));
            await el.chart.updateOptions({ series: data, xaxis: { min: xaxis.min, max: xaxis.max } }, false, false, false);
          } finally {
            SVGGraphicsElement.prototype.getBBox = getBBox;
            Element.prototype.getBoundingClientRect = getBoundingClientRect;
            window.getComputedStyle = getComputedStyle;
          }
          return { svg: svg(), calls };
        };
        const untouched = svg();
        const first = await redraw();
        const next = await redraw();
        return { untouched, first, next, labels: el.shadowRoot.querySelectorAll('.apex text').length };
      });
      expect(drawings.first.svg).to.equal(drawings.untouched);
      expect(drawings.next.svg).to.equal(drawings.untouched);
      expect(drawings.labels).to.be.at.least(8);
      // What is left: reading the chart's own size, and the legend's box where there is a legend.
      expect(drawings.next.calls, def.id).to.deep.equal({ getBBox: 0, getComputedStyle: 2, getBoundingClientRect: boxReads });
    }
    expect(suite.tab.errors).to.deep.equal([]);
  });

  it('builds its tooltip while the pointer is over the plot, showing the values under a resting pointer, and drops it after', async () => {
    await show(suite.tab.page, revenue(), series({ revenue: wave(120, 1500, 120) }));
    const tooltip = chart(suite.tab.page).locator('.apexcharts-tooltip');
    expect(await tooltip.count(), 'no tooltip is built while nobody points at the chart').to.equal(0);
    const box = (await chart(suite.tab.page).locator('[part~=plot]').boundingBox())!;
    // One move onto the plot, then the pointer rests: the tooltip still shows once it is built.
    await suite.tab.page.mouse.move(box.x + box.width * 0.6, box.y + box.height / 2);
    const shown = chart(suite.tab.page).locator('.apexcharts-tooltip.apexcharts-active');
    await shown.waitFor({ state: 'visible', timeout: 5000 });
    expect(await shown.innerText()).to.match(/revenue:\s*€1,[3-6]\d\d/);
    await suite.tab.page.mouse.move(box.x + box.width + 40, box.y + box.height + 40);
    await tooltip.first().waitFor({ state: 'detached', timeout: 5000 });
    expect(suite.tab.errors).to.deep.equal([]);
  });

  it('fills its panel and follows it when the panel is resized', async () => {
    await show(suite.tab.page, revenue(), series({ revenue: [1520, 1611, 1580] }));
    const sizes = () =>
      chart(suite.tab.page).evaluate((el: any) => {
        const plot = el.shadowRoot.querySelector('[part~=plot]').getBoundingClientRect();
        const svg = el.shadowRoot.querySelector('.apex svg').getBoundingClientRect();
        return { width: Math.abs(Math.round(plot.width - svg.width)), height: Math.abs(Math.round(plot.height - svg.height)) };
      });
    expect(await sizes()).to.deep.equal({ width: 0, height: 0 });
    await suite.tab.page.evaluate(`Object.assign(document.querySelector('rt-chart').parentElement.style, { width: '420px', height: '260px' })`);
    await suite.tab.page.waitForTimeout(400); // ApexCharts redraws 150 ms after its box stops changing
    expect(await sizes()).to.deep.equal({ width: 0, height: 0 });
  });

  it('draws bars against categories when x is a string column', async () => {
    await show(suite.tab.page, byRegion, regions());
    expect(await chart(suite.tab.page).locator('path.apexcharts-bar-area').count()).to.equal(3);
    expect(await chart(suite.tab.page).locator('.apexcharts-xaxis-label tspan').allTextContents()).to.deep.equal(['eu', 'us', 'apac']);
    expect(await chart(suite.tab.page).locator('[part~=plot]').getAttribute('aria-label')).to.equal('Orders in the last hour, bar chart, latest eu 412, us 367, apac 158');
  });

  it('follows the theme: colours are read again when the theme changes', async () => {
    await show(suite.tab.page, revenue(), series({ revenue: [1520, 1611, 1580] }));
    const stroke = () => lines(suite.tab.page).first().getAttribute('stroke');
    expect(await stroke()).to.match(/#2f6fde|47,\s*111,\s*222/i);
    // The theme is noticed, then the chart redraws from the shared draw queue: wait for that redraw, up to 5 s.
    const redrawn = await chart(suite.tab.page).evaluate(async (el: any) => {
      el.setAttribute('theme', 'dark');
      for (let waited = 0; waited < 5000; waited += 25) {
        const line = el.shadowRoot.querySelector('path.apexcharts-line');
        if (line !== null && !/#2f6fde|47,\s*111,\s*222/i.test(line.getAttribute('stroke'))) return true;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return false;
    });
    expect(redrawn, 'the chart redrew after the theme changed').to.equal(true);
    expect(await stroke()).to.match(/#6ea0ff|110,\s*160,\s*255/i);
    expect(suite.tab.errors).to.deep.equal([]);
  });

  it('keeps the last data under an error line, shows a stale badge, and rebuilds after leaving the page', async () => {
    const error = { code: 'RTDASH_QUERY_TIMEOUT', message: 'the query timed out' };
    await show(suite.tab.page, revenue(), series({ revenue: [1520, 1611, 1580] }, { status: 'error', error }));
    expect(await chart(suite.tab.page).locator('[part~=error]').innerText()).to.equal('the query timed out · RTDASH_QUERY_TIMEOUT');
    expect(await lines(suite.tab.page).count()).to.equal(1);

    await setWidget(suite.tab.page, revenue(), series({ revenue: [1520, 1611, 1580] }, { lastGoodAt: Date.now() - 120_000 }));
    expect(await chart(suite.tab.page).locator('[part~=stale]').innerText()).to.equal('stale · 2 min old');

    const afterRemoval = await chart(suite.tab.page).evaluate(async (el: any) => {
      const parent = el.parentElement;
      el.remove();
      const gone = { chart: el.chart === undefined, drawn: el.shadowRoot.querySelectorAll('.apex svg').length };
      parent.append(el);
      await el.updateComplete;
      for (let i = 0; i < 200 && el.chart === undefined; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      return { ...gone, back: el.shadowRoot.querySelectorAll('.apex svg').length };
    });
    expect(afterRemoval).to.deep.equal({ chart: true, drawn: 0, back: 1 });
    expect(suite.tab.errors).to.deep.equal([]);
  });

  it('keeps its time axis and legend through a state without columns (a viewer picking another variable value)', async () => {
    await show(suite.tab.page, latency(), series({ p50: wave(120, 120, 15), p95: wave(120, 340, 40), p99: wave(120, 780, 120) }));
    // What a dashboard does when a variable changes: the widget is subscribed anew and waits for its first result.
    await chart(suite.tab.page).evaluate(async (el: any, def) => {
      el.state = undefined;
      el.definition = { ...def };
      el.state = { frame: { fields: [] }, status: 'pending', at: Date.now(), lastGoodAt: null, seq: 0 };
      await el.updateComplete;
      await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    }, latency());
    // Then the first result, for the same definition.
    await chart(suite.tab.page).evaluate(async (el: any, state) => {
      el.state = state;
      await el.updateComplete;
      await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    }, series({ p50: wave(120, 90, 10), p95: wave(120, 300, 30), p99: wave(120, 700, 90) }));
    const axis = await chart(suite.tab.page).evaluate((el: any) => ({
      type: el.chart.w.config.xaxis.type,
      labels: [...el.shadowRoot.querySelectorAll('.apexcharts-xaxis-texts-g text tspan')].map((text: Element) => text.textContent).filter((text: string) => text !== ''),
    }));
    expect(axis.type).to.equal('datetime');
    expect(axis.labels.length).to.be.at.least(2);
    for (const label of axis.labels) expect(label).to.match(/^\d{1,2}:\d\d( [AP]M)?$/);
    expect(await chart(suite.tab.page).locator('.apexcharts-legend-text').allInnerTexts()).to.deep.equal(['p50', 'p95', 'p99']);
    expect(suite.tab.errors).to.deep.equal([]);
  });

  it('shows nothing of the old data when the query fails for a newly picked variable value, and draws once data comes', async () => {
    await show(suite.tab.page, revenue(), series({ revenue: wave(120, 1500, 120) }));
    expect(await lines(suite.tab.page).count()).to.equal(1);
    const error = { code: 'RTDASH_QUERY_FAILED', message: 'the query failed' };
    await chart(suite.tab.page).evaluate(
      async (el: any, [def, problem]) => {
        el.state = undefined;
        el.definition = { ...def };
        el.state = { frame: { fields: [] }, status: 'error', error: problem, at: Date.now(), lastGoodAt: null, seq: 1 };
        await el.updateComplete;
      },
      [revenue(), error] as const,
    );
    expect(await chart(suite.tab.page).locator('[part~=error]').innerText()).to.equal(`${error.message} · ${error.code}`);
    expect(await lines(suite.tab.page).count(), 'no line of the old value left').to.equal(0);
    await setWidget(suite.tab.page, revenue(), series({ revenue: wave(60, 900, 50) }));
    expect(await lines(suite.tab.page).count()).to.equal(1);
    expect(await chart(suite.tab.page).evaluate((el: any) => el.chart.w.config.xaxis.type)).to.equal('datetime');
    expect(suite.tab.errors).to.deep.equal([]);
  });

  it('fits 320 px without overflowing, in light and dark (screenshots in /tmp/elements-chart-*.png)', async () => {
    for (const colorScheme of ['light', 'dark'] as const) {
      const shot = await openPage(suite.browser, { colorScheme, viewport: { width: 360, height: 900 } });
      await showFixture(
        shot.page,
        suite.server.server.url,
        `<div id="box" style="width:320px;display:grid;gap:12px;grid-template-rows:260px 260px 260px">
          <rt-chart locale="en-US"></rt-chart><rt-chart locale="en-US"></rt-chart><rt-chart locale="en-US"></rt-chart></div>`,
      );
      const n = 600;
      await setWidget(shot.page, revenue({ type: 'area' }), series({ revenue: wave(n, 1500, 120) }), 0);
      await setWidget(shot.page, latency(), series({ p50: wave(n, 120, 15), p95: wave(n, 340, 40, 1), p99: wave(n, 780, 120, 2) }), 1);
      await setWidget(shot.page, byRegion, regions(), 2);
      const overflow = await shot.page.locator('rt-chart').evaluateAll((els: any[]) =>
        els.map((el) => {
          const base = el.shadowRoot.querySelector('[part~=base]');
          return base.scrollWidth - base.clientWidth;
        }),
      );
      expect(overflow).to.deep.equal([0, 0, 0]);
      expect(await shot.page.evaluate('document.documentElement.scrollWidth')).to.be.at.most(360);
      await shot.page.locator('#box').screenshot({ path: `/tmp/elements-chart-${colorScheme}.png` });
      expect(shot.errors).to.deep.equal([]);
      await shot.close();
    }
  });
});
