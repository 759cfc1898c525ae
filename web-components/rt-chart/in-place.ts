/**
 * A live chart's cheap update. ApexCharts 4 answers every update by building the chart's SVG anew: about 13 ms of
 * main thread for a small line chart, most of it style and layout of the new nodes, every second, for every chart.
 * Yet most updates of a live time chart change only where its points are: the window moved on by a second and a
 * point came in, while the y scale, the legend and the set of time labels stay what they were. Such an update is
 * drawn here, in the SVG ApexCharts left, by rewriting each series' path and moving the time labels:
 *
 * - the time labels are the ones ApexCharts' own time scale gives for the new window (same texts, same units),
 *   at the positions it gives, with the first or last one left blank exactly when ApexCharts would blank it;
 * - the paths are built the way ApexCharts builds a straight line and the area under it, from the same ratios;
 * - the y scale is the one drawn because the data's lowest and highest values are the ones it was drawn for.
 *
 * Everything else goes to ApexCharts' full redraw: a change of y range, a time label coming or going, gaps (nulls),
 * a series hidden from the legend, more than one y axis, bars, categories. A Chromium test holds both ways to the
 * same picture over hundreds of updates. ApexCharts is pinned (see package.json); when its internals are not where
 * this expects them, every update simply takes the full redraw.
 */
import type ApexCharts from 'apexcharts';
import type { ChartData } from './chart-data.js';

/** One time label, as ApexCharts' time scale gives it. */
interface TimeLabel {
  position: number;
  value: string;
  unit: string;
}

interface TimeScaleLike {
  calculateTimeScaleTicks(min: number, max: number): unknown[];
  formatDates(ticks: unknown[]): TimeLabel[];
  removeOverlappingTS(labels: TimeLabel[]): TimeLabel[];
}

interface AxisOptions {
  show?: boolean;
  floating?: boolean;
  opposite?: boolean;
  reversed?: boolean;
  logarithmic?: boolean;
}

/** What ApexCharts keeps of its last full draw, as far as this reads it. */
interface Globals {
  minX: number;
  maxX: number;
  minY: number;
  maxY: number;
  gridWidth: number;
  gridHeight: number;
  svgWidth: number;
  translateX: number;
  series: (number | null)[][];
  seriesNames: string[];
  collapsedSeriesIndices: number[];
  ancillaryCollapsedSeriesIndices: number[];
  timescaleLabels: TimeLabel[];
  skipFirstTimelinelabel: boolean;
  skipLastTimelinelabel: boolean;
  yLabelsCoords: { width: number }[];
  yTitleCoords: { width: number }[];
  yAxisScale: unknown[];
  ignoreYAxisIndexes: number[];
  initialSeries?: { data: unknown }[];
  lastXAxis?: { min?: number; max?: number } | unknown[];
  dom: { baseEl: Element };
}

interface Config {
  chart: { type: string; stacked?: boolean };
  stroke: { curve?: unknown };
  fill: { type?: string | string[] };
  markers: { size?: number | number[] };
  dataLabels: { enabled?: boolean };
  grid: { xaxis?: { lines?: { show?: boolean } } };
  annotations?: Record<string, unknown>;
  legend: { position?: string };
  plotOptions: { area?: { fillTo?: string } };
  xaxis: { min?: number; max?: number; labels: { style: { fontSize?: string }; formatter?: unknown; rotateAlways?: boolean } };
  yaxis: AxisOptions[];
  series: { name?: string; data: unknown }[];
}

interface Internals {
  w?: { globals?: Globals; config?: Config };
  timeScale?: object;
  graphics?: { getTextRects?: (text: string, fontSize?: string) => { width: number } };
  lastUpdateOptions?: unknown;
}

/**
 * Shows `data` by moving what ApexCharts last drew; false when only a full redraw can show it (then nothing was
 * touched, or what was is rebuilt by that redraw).
 */
export function drawInPlace(chart: ApexCharts, data: ChartData): boolean {
  try {
    return draw(chart as unknown as Internals, data);
  } catch {
    return false; // an internal not where it was expected: the full redraw shows the update
  }
}

function draw(internals: Internals, data: ChartData): boolean {
  const gl = internals.w?.globals;
  const config = internals.w?.config;
  if (gl === undefined || config === undefined || !sameShape(gl, config, data)) return false;
  const { min, max } = data.window!;
  if (max - min !== gl.maxX - gl.minX || !(max > min)) return false;
  const range = valueRange(data.series.map((s) => (s.data as [number, number | null][]).map((point) => point[1])));
  const drawnRange = valueRange(gl.series);
  if (range === undefined || drawnRange === undefined || range[0] !== drawnRange[0] || range[1] !== drawnRange[1]) return false;
  const labels = timeLabels(internals, config, min, max);
  if (labels === undefined || !sameLabels(labels, gl.timescaleLabels)) return false;
  const ends = blankEnds(internals, gl, config, labels);
  if (ends === undefined || ends[0] !== gl.skipFirstTimelinelabel || ends[1] !== gl.skipLastTimelinelabel) return false;
  const texts = gl.dom.baseEl.querySelectorAll('.apexcharts-xaxis-texts-g text');
  const paths = seriesPaths(gl.dom.baseEl, data.series.length, config.chart.type === 'area');
  if (texts.length !== labels.length || paths === undefined) return false;

  const xRatio = (max - min) / gl.gridWidth;
  const yRatio = Math.abs(gl.minY - gl.maxY) / gl.gridHeight;
  // ApexCharts' own steps: the zero line ("baseline") and the bottom an area closes on.
  const zeroY = gl.gridHeight - (-(gl.minY < 0 ? -1 : 1) * Math.abs(gl.minY)) / yRatio;
  const bottom = zeroY > gl.gridHeight || config.plotOptions.area?.fillTo === 'end' ? gl.gridHeight : zeroY;
  data.series.forEach((series, i) => {
    const points = series.data as [number, number][];
    // Under a gradient fill ApexCharts lifts the last point of a flat series by a millionth (so the gradient has a
    // height to spread over); so does this.
    const lift = gradient(config, i) && points.every((point) => point[1] === points[0]![1]) ? points.length - 1 : -1;
    let line = '';
    points.forEach(([t, v], k) => {
      line += `${k === 0 ? 'M' : ' L'} ${(t - min) / xRatio} ${zeroY - (k === lift ? v + 0.000001 : v) / yRatio}`;
    });
    const { line: linePath, area: areaPath } = paths[i]!;
    linePath.setAttribute('d', line);
    if (areaPath !== undefined) {
      const firstX = (points[0]![0] - min) / xRatio;
      const lastX = (points[points.length - 1]![0] - min) / xRatio;
      areaPath.setAttribute('d', `${line} L ${lastX} ${bottom} L ${firstX} ${bottom}z`);
    }
  });
  labels.forEach((label, i) => texts[i]!.setAttribute('x', String(label.position)));

  // What ApexCharts redraws from by itself (on a resize, a legend click) or returns to (its own updateSeries and
  // resetSeries) is now this data and window, and its next update is never taken for a repeat of the one before.
  data.series.forEach((series, i) => {
    config.series[i]!.data = series.data;
    const initial = gl.initialSeries?.[i];
    if (initial !== undefined) initial.data = series.data;
  });
  config.xaxis.min = min;
  config.xaxis.max = max;
  if (gl.lastXAxis !== undefined && !Array.isArray(gl.lastXAxis)) Object.assign(gl.lastXAxis, { min, max });
  internals.lastUpdateOptions = null;
  return true;
}

function gradient(config: Config, series: number): boolean {
  const type = config.fill.type;
  return type === 'gradient' || (Array.isArray(type) && type[series] === 'gradient');
}

/** Whether the chart is one this draws (see the file comment) and `data` has the series it drew. */
function sameShape(gl: Globals, config: Config, data: ChartData): boolean {
  const type = config.chart.type;
  const axis = config.yaxis[0];
  return (
    data.axis === 'datetime' &&
    data.window !== undefined &&
    (type === 'line' || type === 'area') &&
    config.stroke.curve === 'straight' &&
    config.chart.stacked !== true &&
    config.xaxis.labels.formatter === undefined &&
    config.legend.position !== 'right' &&
    config.yaxis.length === 1 &&
    // Nothing else drawn at the points' or the labels' positions.
    [config.markers.size].flat().every((size) => !size) &&
    config.dataLabels.enabled !== true &&
    config.grid.xaxis?.lines?.show !== true &&
    config.xaxis.labels.rotateAlways !== true &&
    Object.values(config.annotations ?? {}).every((list) => !Array.isArray(list) || list.length === 0) &&
    axis !== undefined &&
    axis.reversed !== true &&
    axis.logarithmic !== true &&
    gl.collapsedSeriesIndices.length === 0 &&
    gl.ancillaryCollapsedSeriesIndices.length === 0 &&
    gl.series.length === data.series.length &&
    data.series.every((series, i) => series.name === gl.seriesNames[i] && series.data.length >= 2 && series.data.length === data.series[0]!.data.length)
  );
}

/** The lowest and highest value of all series; undefined when one is missing (a gap: ApexCharts splits the path). */
function valueRange(series: readonly (readonly (number | null)[])[]): [number, number] | undefined {
  let low = Infinity;
  let high = -Infinity;
  for (const values of series) {
    for (const value of values) {
      if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
      if (value < low) low = value;
      if (value > high) high = value;
    }
  }
  return low <= high ? [low, high] : undefined;
}

/** The time labels ApexCharts would draw for the window `min`..`max`, from its own time scale. */
function timeLabels(chart: Internals, config: Config, min: number, max: number): TimeLabel[] | undefined {
  const TimeScale = chart.timeScale?.constructor as (new (ctx: unknown) => Partial<TimeScaleLike>) | undefined;
  if (typeof TimeScale !== 'function') return undefined;
  const scale = new TimeScale(chart);
  if (typeof scale.calculateTimeScaleTicks !== 'function' || typeof scale.formatDates !== 'function' || typeof scale.removeOverlappingTS !== 'function') return undefined;
  // The time scale reads the window from the options (they win over its arguments): lend it the new one.
  const { min: drawnMin, max: drawnMax } = config.xaxis;
  config.xaxis.min = min;
  config.xaxis.max = max;
  try {
    return scale.removeOverlappingTS(scale.formatDates(scale.calculateTimeScaleTicks(min, max)));
  } finally {
    config.xaxis.min = drawnMin;
    config.xaxis.max = drawnMax;
  }
}

function sameLabels(next: readonly TimeLabel[], drawn: readonly TimeLabel[]): boolean {
  return next.length > 0 && next.length === drawn.length && next.every((label, i) => label.value === drawn[i]!.value && label.unit === drawn[i]!.unit);
}

/**
 * Whether ApexCharts blanks the first and the last time label (when it would stick out of the chart), by its own
 * rule: the widest label's width against the room the y axis leaves on the left and the chart's width on the right.
 */
function blankEnds(chart: Internals, gl: Globals, config: Config, labels: readonly TimeLabel[]): [boolean, boolean] | undefined {
  const measure = chart.graphics?.getTextRects;
  if (typeof measure !== 'function') return undefined;
  const longest = labels.map((label) => label.value).reduce((a, b) => (a.length > b.length ? a : b));
  const width = measure.call(chart.graphics, longest, config.xaxis.labels.style.fontSize).width;
  const padding = gl.yAxisScale.length > 1 ? 10 : 0;
  let left = 0;
  let right = 0;
  const room = (coords: { width: number }, index: number) => {
    const axis = config.yaxis[index] ?? {};
    let taken: number;
    if (coords.width > 0 && axis.floating !== true) taken = gl.ignoreYAxisIndexes.includes(index) ? 0 : coords.width + padding;
    else taken = axis.floating === true || axis.show === false ? 0 : 5;
    if (axis.opposite === true) right += taken;
    else left += taken;
  };
  gl.yLabelsCoords.forEach(room);
  gl.yTitleCoords.forEach(room);
  const first = labels[0]!.position - width / 1.75 + left < -10;
  const last = labels[labels.length - 1]!.position + width / 1.75 - right > gl.svgWidth - gl.translateX;
  return [first, last];
}

/** Each series' line path (and area path), when every series is drawn as one unbroken path (or path pair). */
function seriesPaths(root: Element, count: number, area: boolean): { line: Element; area?: Element }[] | undefined {
  const found: { line: Element; area?: Element }[] = [];
  for (const group of root.querySelectorAll('.apexcharts-series')) {
    const index = Number(group.getAttribute('data:realIndex'));
    const paths = group.querySelectorAll('path');
    if (!Number.isInteger(index) || index < 0 || index >= count || found[index] !== undefined) return undefined;
    if (area) {
      // ApexCharts draws an area series as the filled shape and, over it, the line (a path without fill).
      const [fill, stroke] = paths;
      if (paths.length !== 2 || stroke!.getAttribute('fill') !== 'none') return undefined;
      found[index] = { line: stroke!, area: fill! };
    } else {
      if (paths.length !== 1 || !paths[0]!.classList.contains('apexcharts-line')) return undefined;
      found[index] = { line: paths[0]! };
    }
  }
  for (let i = 0; i < count; i++) if (found[i] === undefined) return undefined;
  return found;
}
