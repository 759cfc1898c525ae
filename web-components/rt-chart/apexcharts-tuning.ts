/**
 * Two costs of ApexCharts 4 that a live chart pays on every redraw for nothing, taken away:
 *
 * - It sizes its axes by measuring label text: for every label it adds an SVG text node, asks for its bounding box
 *   and removes it again, which makes the browser recompute style and layout once per label. A live chart redraws
 *   every second with mostly the same labels ("10:42", "1.2k"); the same text in the same font at the same size
 *   measures the same, so measurements are remembered (bounded) and forgotten when web fonts finish loading.
 * - Every axis label is an SVG text whose lines (tspans) svg.js lays out by reading each line's computed font size,
 *   which again forces a style recalculation per label. Only text of several lines needs that; a one-line label
 *   (all rtdash draws) skips it.
 *
 * - Every rectangle it draws (grid bands, bars, the plot's background) starts as an svg.js rect of no given size,
 *   which svg.js sizes from its bounding box: one more forced layout per rectangle, for a size ApexCharts sets
 *   right after. Such a rectangle now starts as 0 × 0.
 *
 * - Before laying out the plot it reads the legend's box, even when the chart has no legend (every single-series
 *   chart): one more forced layout, for a size it then sets to 0 × 0 anyway. Without a legend that read is skipped.
 *
 * - After drawing the y axis it reads the box of the axis' labels to place the axis title, even when there is no
 *   title: a forced layout on every redraw, for nothing. That lookup goes through the element the chart was
 *   created in (ours), which answers "no labels" to it when the axis has no title, so the read is skipped.
 *
 * Most of these live in helpers every chart shares through prototypes (ApexCharts' Graphics, svg.js' shapes), so
 * `tuneApexCharts` wraps them once per page. ApexCharts is pinned (see package.json); a wrapper leaves a method
 * alone when it does not find it where it expects it, and then the chart simply costs what it did.
 */
import type ApexCharts from 'apexcharts';

/** What ApexCharts' `getTextRects` returns. */
export interface TextSize {
  width: number;
  height: number;
}

type Measure = (this: GraphicsLike, text: unknown, fontSize?: string, fontFamily?: string, transform?: string, useBBox?: boolean) => TextSize;

interface GraphicsLike {
  w?: { config?: { chart?: { fontFamily?: string } } };
  getTextRects?: Measure;
}

/** svg.js' Text as far as the shortcut needs it. */
interface SvgTextLike {
  node: Element;
  _rebuild?: boolean;
  rebuild?: (this: SvgTextLike, rebuild?: boolean) => SvgTextLike;
  fire(event: string): unknown;
  remove(): unknown;
}

/** svg.js' container methods as far as the shortcut needs them. */
interface SvgContainerLike {
  rect?: (this: SvgContainerLike, width?: number, height?: number) => unknown;
}

/** The legend's share of ApexCharts' dimension helpers, as far as the shortcut needs it. */
interface DimensionHelpersLike {
  w?: { config?: { legend?: { show?: boolean; floating?: boolean } } };
  dCtx?: { lgRect?: unknown };
  getLegendsRect?: (this: DimensionHelpersLike) => unknown;
}

/** The y axes' options, as far as the title shortcut needs them. */
interface YAxisLike {
  title?: { text?: string };
  labels?: { align?: string };
}

/** The parts of a rendered chart the tuning reaches: its Graphics helper and its svg.js drawing. */
interface ChartInternals {
  el?: Element;
  graphics?: object;
  dimensions?: { dimHelpers?: object };
  w?: { config?: { yaxis?: YAxisLike[] }; globals?: { dom?: { Paper?: SvgContainerLike & { plain?: (text: string) => SvgTextLike } } } };
}

/** Past this many different labels the oldest half is forgotten. */
const LIMIT = 2000;

const sizes = new Map<string, TextSize>();
const tuned = new WeakSet<object>();
let watchingFonts = false;

/** The key of one measurement: everything `getTextRects` passes on to the text it draws (its defaults included). */
export function textKey(text: unknown, fontSize: string | undefined, fontFamily: string | undefined, transform: string | undefined, useBBox: boolean): string {
  const shown = Array.isArray(text) ? `${text.map(String).join('\n')}\n[lines]` : String(text ?? '');
  return `${fontSize || '11px'}\u0000${fontFamily ?? ''}\u0000${transform ?? ''}\u0000${useBBox ? 'b' : 'r'}\u0000${shown}`;
}

/** Applies both shortcuts (see the file comment) for every chart on the page; call once a chart has rendered. */
export function tuneApexCharts(chart: ApexCharts): void {
  const internals = chart as unknown as ChartInternals;
  rememberTextSizes(internals);
  skipOneLineRebuilds(internals);
  sizeNewRectsUpFront(internals);
  skipHiddenLegendReads(internals);
  skipUntitledAxisReads(internals);
}

function rememberTextSizes(chart: ChartInternals): void {
  const prototype = chart.graphics === undefined ? undefined : (Object.getPrototypeOf(chart.graphics) as GraphicsLike | null);
  if (prototype == null || tuned.has(prototype) || typeof prototype.getTextRects !== 'function') return;
  const measure = prototype.getTextRects;
  tuned.add(prototype);
  watchFonts();
  prototype.getTextRects = function (this: GraphicsLike, text, fontSize, fontFamily, transform, useBBox = true) {
    const key = textKey(text, fontSize, fontFamily || this.w?.config?.chart?.fontFamily, transform, useBBox);
    const known = sizes.get(key);
    if (known !== undefined) return { width: known.width, height: known.height };
    const size = measure.call(this, text, fontSize, fontFamily, transform, useBBox);
    // A chart in a hidden panel measures everything as 0 × 0: not worth remembering.
    if (size.width > 0 || size.height > 0) remember(key, { width: size.width, height: size.height });
    return size;
  };
}

function skipOneLineRebuilds(chart: ChartInternals): void {
  const paper = chart.w?.globals?.dom?.Paper;
  if (typeof paper?.plain !== 'function') return;
  const sample = paper.plain('');
  const prototype = Object.getPrototypeOf(sample) as SvgTextLike | null;
  sample.remove();
  if (prototype == null || tuned.has(prototype) || typeof prototype.rebuild !== 'function') return;
  const rebuild = prototype.rebuild;
  tuned.add(prototype);
  prototype.rebuild = function (this: SvgTextLike, flag?: boolean) {
    if (typeof flag === 'boolean') this._rebuild = flag;
    if (this._rebuild !== true || hasLineBreaks(this.node)) return rebuild.call(this, flag);
    this.fire('rebuild');
    return this;
  };
}

function sizeNewRectsUpFront(chart: ChartInternals): void {
  let prototype = chart.w?.globals?.dom?.Paper as object | null | undefined;
  while (prototype != null && !Object.hasOwn(prototype, 'rect')) prototype = Object.getPrototypeOf(prototype) as object | null;
  const container = prototype as SvgContainerLike | null | undefined;
  if (container == null || tuned.has(container) || typeof container.rect !== 'function') return;
  const rect = container.rect;
  tuned.add(container);
  container.rect = function (this: SvgContainerLike, width?: number, height?: number) {
    return width === undefined && height === undefined ? rect.call(this, 0, 0) : rect.call(this, width, height);
  };
}

function skipHiddenLegendReads(chart: ChartInternals): void {
  const helpers = chart.dimensions?.dimHelpers;
  const prototype = helpers === undefined ? undefined : (Object.getPrototypeOf(helpers) as DimensionHelpersLike | null);
  if (prototype == null || tuned.has(prototype) || typeof prototype.getLegendsRect !== 'function') return;
  const measure = prototype.getLegendsRect;
  tuned.add(prototype);
  prototype.getLegendsRect = function (this: DimensionHelpersLike) {
    const legend = this.w?.config?.legend;
    // What ApexCharts itself sets when the legend takes no room (hidden or floating), without reading its box.
    if (this.dCtx === undefined || legend === undefined || (legend.show !== false && legend.floating !== true)) return measure.call(this);
    this.dCtx.lgRect = { x: 0, y: 0, height: 0, width: 0 };
    return this.dCtx.lgRect;
  };
}

/** What ApexCharts looks up to place the title of y axis N: `.apexcharts-yaxis[rel='N'] .apexcharts-yaxis-texts-g`. */
const Y_LABELS = /^\.apexcharts-yaxis\[rel='(\d+)'\] \.apexcharts-yaxis-texts-g$/;

/** The chart drawn in each container now: a container outlives its chart when the chart is built anew. */
const chartIn = new WeakMap<Element, ChartInternals>();

function skipUntitledAxisReads(chart: ChartInternals): void {
  const host = chart.el;
  if (host === undefined) return;
  chartIn.set(host, chart);
  if (tuned.has(host)) return;
  tuned.add(host);
  const find = Element.prototype.querySelector;
  // An own property of this one element, the chart's container: nothing else on the page looks things up through it.
  Object.defineProperty(host, 'querySelector', {
    configurable: true,
    value(this: Element, selectors: string): Element | null {
      const axis = Y_LABELS.exec(selectors);
      if (axis !== null) {
        const options = chartIn.get(this)?.w?.config?.yaxis?.[Number(axis[1])];
        // Only ApexCharts' title placing asks this without a title; its label alignment (unused here) needs the box.
        if (options !== undefined && !options.title?.text && options.labels?.align === undefined) return null;
      }
      return find.call(this, selectors);
    },
  });
}

/** Whether a text has a tspan svg.js started a new line with (only those need the font size). */
function hasLineBreaks(text: Element): boolean {
  for (let line = text.firstElementChild; line !== null; line = line.nextElementSibling) {
    if ((line as Element & { instance?: { dom?: { newLined?: boolean } } }).instance?.dom?.newLined === true) return true;
  }
  return false;
}

function remember(key: string, size: TextSize): void {
  if (sizes.size >= LIMIT) {
    let drop = sizes.size / 2;
    for (const old of sizes.keys()) {
      if (drop-- <= 0) break;
      sizes.delete(old);
    }
  }
  sizes.set(key, size);
}

function watchFonts(): void {
  if (watchingFonts || typeof document === 'undefined' || document.fonts === undefined) return;
  watchingFonts = true;
  document.fonts.addEventListener('loadingdone', () => sizes.clear());
}
