import { expect } from 'chai';
import type { Page } from 'playwright-core';
import { browserSuite, showFixture } from '../../test/support/browser.js';

/**
 * Two charts of one size: the first gets a live feed, a second at a time, and updates the way it does on a
 * dashboard (in place where it can); the second is redrawn in full by ApexCharts with exactly the first one's data
 * and window after every step. Their SVGs must be the same, element for element and attribute for attribute.
 */
describe('<rt-chart> updates in place (in Chromium)', function () {
  const suite = browserSuite();

  interface Feed {
    definition: object;
    columns: string[];
    /** Rows already there before the feed starts. */
    history: number;
    steps: number;
    /** Goes on past `steps` (up to 30 more) until a step is drawn in place. */
    endInPlace?: boolean;
    /** Subtracted from every value, with a slow wave of this amplitude added (to cross zero). */
    shift?: number;
    /** Columns that stay at 0 (ApexCharts lifts the last point of a flat series under a gradient). */
    flat?: string[];
  }

  /** Runs a feed through both charts; returns how each step was drawn and the SVGs of every step that differ. */
  function run(page: Page, feed: Feed) {
    return page.evaluate(async ({ definition, columns, history, steps, endInPlace = false, shift = 0, flat = [] }) => {
      const [live, reference] = [...document.querySelectorAll('rt-chart')] as any[];
      // A seeded walk with now and then a jump, so that the y range changes sometimes and stays put mostly.
      let seed = 7;
      const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
      // On a whole minute, so that the time labels fall on the same steps in every run.
      const start = Math.floor((Date.now() - (history + steps) * 1000) / 60_000) * 60_000;
      const time: number[] = [];
      const values: number[][] = columns.map(() => []);
      const level = columns.map((_, i) => 500 + 300 * i);
      const push = (t: number) => {
        time.push(t);
        columns.forEach((name, i) => {
          if (flat.includes(name)) return void values[i]!.push(0);
          level[i] = Math.max(0, level[i]! + (random() - 0.5) * 20 + (random() < 0.02 ? (random() - 0.5) * 400 : 0));
          const wave = shift === 0 ? 0 : shift * 0.6 * Math.sin(time.length / 15);
          values[i]!.push(Math.round((level[i]! - shift + wave) * 10) / 10);
        });
      };
      const state = (at: number) => ({
        frame: { fields: [{ name: 'time', type: 'time', values: time.slice() }, ...columns.map((name, i) => ({ name, type: 'number', values: values[i]!.slice() }))] },
        status: 'ok',
        at,
        lastGoodAt: at,
        seq: time.length,
      });
      const frames = () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));
      // svg.js numbers its elements and ApexCharts names gradients and masks at random: names, not drawing. The
      // paths' animation attributes (where an animation would start and end) are not drawn, animations being off.
      const svg = (chart: any) =>
        chart.shadowRoot
          .querySelector('.apex svg')
          .outerHTML.replace(/Svgjs(\w+?)\d+/g, 'Svgjs$1')
          .replace(/(Gradient|gridRectMask|gridRectBarMask|gridRectMarkerMask|forecastMask|nonForecastMask)\w*/g, '$1')
          .replace(/ path(From|To)="[^"]*"/g, '');

      for (let i = 0; i < history; i++) push(start + i * 1000);
      for (const chart of [live, reference]) {
        chart.definition = definition;
        chart.state = state(time.at(-1)!);
        await chart.updateComplete;
        for (let i = 0; i < 200 && chart.shadowRoot.querySelector('.apex svg') === null; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      }
      await frames();
      const ways: string[] = [];
      const differences: { step: number; way: string; live: string; reference: string }[] = [];
      /** What the reference was given last: the feed's latest points in the live chart's window. */
      let latest: { series: { name: string; data: number[][] }[]; min: number; max: number } | undefined;
      for (let step = 0; step < steps || (endInPlace && ways.at(-1) !== 'in place' && step < steps + 30); step++) {
        push(start + (history + step) * 1000);
        const before = live.shadowRoot.querySelector('.apexcharts-series path');
        live.state = state(time.at(-1)!);
        await live.updateComplete;
        await frames();
        const way = before.isConnected ? 'in place' : 'full';
        ways.push(way);
        // The window the live chart shows (it ends at its reading of the server's clock); the points in it from the
        // feed itself.
        const { min, max } = live.chart.w.config.xaxis;
        const data = columns.map((name, i) => ({ name, data: time.flatMap((t, k) => (t >= min ? [[t, values[i]![k]]] : [])) }));
        await reference.chart.updateOptions({ series: data, xaxis: { min, max } }, false, false, false);
        latest = { series: data as { name: string; data: number[][] }[], min, max };
        const [a, b] = [svg(live), svg(reference)];
        if (a !== b) differences.push({ step, way, live: a, reference: b });
      }
      const shown = values.flat().slice(-steps);
      return { ways, differences: differences.slice(0, 3), crossed: shown.some((v) => v < 0) && shown.some((v) => v > 0), latest };
    }, feed);
  }

  /** Where two SVG texts first part, with some context. */
  const firstDifference = (a: string, b: string) => {
    let i = 0;
    while (i < a.length && a[i] === b[i]) i++;
    return `…${a.slice(Math.max(0, i - 120), i + 80)}\n  vs\n…${b.slice(Math.max(0, i - 120), i + 80)}`;
  };

  /**
   * `inPlace`: the least share of steps drawn in place. A one-minute window has a time label come, go or blank at an
   * edge every few seconds (where exactly depends on the clock), so fewer of its steps can be.
   */
  const cases: { name: string; locale: string; inPlace: number; full?: number; feed: Feed }[] = [
    {
      name: 'a line chart over a one-minute window',
      locale: 'en-US',
      inPlace: 0.4,
      feed: { definition: { id: 'rate', title: 'Requests', type: 'line', x: 'time', y: ['rate'], unit: 'count', intervalMs: 1000, keep: { ms: 60_000 } }, columns: ['rate'], history: 60, steps: 150 },
    },
    {
      name: 'an area chart of three series (with a legend) over ten minutes',
      locale: 'en-US',
      inPlace: 0.6,
      feed: {
        definition: { id: 'latency', title: 'Response time', type: 'area', x: 'time', y: ['p50', 'p95', 'p99'], unit: 'ms', intervalMs: 1000, keep: { ms: 600_000 } },
        columns: ['p50', 'p95', 'p99'],
        history: 300,
        steps: 120,
      },
    },
    {
      // Values either side of zero (the area closes on the zero line, not the bottom), a 24-hour clock.
      name: 'an area chart crossing zero, on a 24-hour clock',
      locale: 'en-GB',
      inPlace: 0.4,
      feed: { definition: { id: 'delta', title: 'Net change', type: 'area', x: 'time', y: ['delta'], intervalMs: 1000, keep: { ms: 120_000 } }, columns: ['delta'], history: 120, steps: 90, shift: 500 },
    },
    {
      name: 'an area chart with a flat series beside a moving one',
      locale: 'en-US',
      inPlace: 0.5,
      full: 0, // a minute of a ten-minute window may see no change of labels or range
      feed: { definition: { id: 'errors', title: 'Errors and requests', type: 'area', x: 'time', y: ['errors', 'rate'], intervalMs: 1000, keep: { ms: 600_000 } }, columns: ['errors', 'rate'], history: 300, steps: 60, flat: ['errors'] },
    },
  ];

  for (const { name, locale, inPlace: least, full = 2, feed } of cases) {
    it(`draws what ApexCharts draws, in place when only the points and the time moved: ${name}`, async function () {
      this.timeout(120_000);
      await showFixture(
        suite.tab.page,
        suite.server.server.url,
        `<div style="display:flex;gap:8px"><div style="width:560px;height:300px"><rt-chart locale="${locale}"></rt-chart></div><div style="width:560px;height:300px"><rt-chart locale="${locale}"></rt-chart></div></div>`,
      );
      const { ways, differences, crossed } = await run(suite.tab.page, feed);
      if (feed.shift !== undefined) expect(crossed, 'the feed crosses zero').to.equal(true);
      const first = differences[0];
      expect(differences, first === undefined ? '' : `step ${first.step} (${first.way}):\n${firstDifference(first.live, first.reference)}`).to.deep.equal([]);
      const inPlace = ways.filter((way) => way === 'in place').length;
      // Both ways are taken: mostly in place, in full when the labels or the y range change.
      expect(inPlace, ways.join(',')).to.be.at.least(feed.steps * least);
      expect(ways.length - inPlace, ways.join(',')).to.be.at.least(full);
      expect(suite.tab.errors).to.deep.equal([]);
    });
  }

  it('redraws its latest data when its panel is resized after updates in place', async function () {
    this.timeout(60_000);
    await showFixture(
      suite.tab.page,
      suite.server.server.url,
      `<div style="display:flex;gap:8px"><div class="box" style="width:560px;height:300px"><rt-chart locale="en-US"></rt-chart></div><div class="box" style="width:560px;height:300px"><rt-chart locale="en-US"></rt-chart></div></div>`,
    );
    const feed = cases[0]!.feed;
    const { ways, latest } = await run(suite.tab.page, { ...feed, steps: 8, endInPlace: true });
    expect(ways.at(-1)).to.equal('in place');
    // ApexCharts redraws a resized chart by itself, from the data it was last given: that must be the latest.
    const drawn = await suite.tab.page.evaluate(async (latest) => {
      const charts = [...document.querySelectorAll('rt-chart')] as any[];
      const before = charts.map((chart) => chart.chart.w.globals.svgWidth);
      for (const box of document.querySelectorAll<HTMLElement>('.box')) box.style.width = '480px';
      // ApexCharts redraws 150 ms after the last change, and takes its time on a busy machine: read once both
      // charts have their new width and their drawings stayed the same for three reads in a row (or after 10 s).
      const read = () => ({
        widths: charts.map((chart) => chart.chart.w.globals.svgWidth as number),
        paths: charts.map((chart) => chart.shadowRoot.querySelector('.apexcharts-series path').getAttribute('d') as string),
      });
      let now = read();
      for (let steady = 0, end = Date.now() + 10_000; steady < 3 && Date.now() < end; ) {
        await new Promise((resolve) => setTimeout(resolve, 200));
        const next = read();
        const resized = next.widths.every((w, i) => w !== before[i]);
        steady = resized && JSON.stringify(next) === JSON.stringify(now) ? steady + 1 : 0;
        now = next;
      }
      // The reference is drawn by ApexCharts behind its element's back, and the element redraws its own (first) data
      // when its window slides with the clock: on a busy machine that can land in this wait. So once the resize has
      // settled, the reference is given the feed's latest data and window again, at its new width, and compared then.
      await charts[1].chart.updateOptions({ series: latest!.series, xaxis: { min: latest!.min, max: latest!.max } }, false, false, false);
      now = read();
      const facts = charts.map((chart) => {
        const { globals: g, config: c } = chart.chart.w;
        return { gridWidth: g.gridWidth, minX: g.minX, maxX: g.maxX, minY: g.minY, maxY: g.maxY, xaxis: [c.xaxis.min, c.xaxis.max], points: c.series[0].data.length, last: JSON.stringify(c.series[0].data.at(-1)) };
      });
      return { before, after: now.widths, same: now.paths[0] === now.paths[1], paths: now.paths, facts };
    }, latest);
    expect(drawn.after[0]).to.equal(drawn.after[1]).and.to.be.below(drawn.before[0]);
    expect(drawn.same, `the resized chart shows the same points as one given the latest data: ${JSON.stringify(drawn.facts)}\n${firstDifference(drawn.paths[0]!, drawn.paths[1]!)}`).to.equal(true);
  });
});
