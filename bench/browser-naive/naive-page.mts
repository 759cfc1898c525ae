/**
 * The naive page of the browser suite: the dashboard as a quick first attempt would draw it. It subscribes to the
 * same stream as <rt-dashboard>, builds one panel per widget from the snapshot, and for every update entry, as soon
 * as it arrives (no batching to animation frames), pushes the new points onto the widget's arrays (never trimmed)
 * and hands the whole series to ApexCharts with `chart.updateSeries(series)`: animate defaults to true, and the
 * chart keeps ApexCharts' default animations. Stats set their text, gauges are ApexCharts radial bars, the table is
 * rewritten with innerHTML. The one departure from ApexCharts' defaults is `dataLabels: { enabled: false }`, which
 * anyone would turn off at first sight of 300 labelled points.
 *
 * Bundled with ApexCharts by esbuild at bench time (bench/browser-suite.ts); not part of the product. Type-checked
 * with `npx tsc -p bench/browser-naive` (the root tsconfig has no DOM and does not include `.mts` files).
 */
import ApexCharts from 'apexcharts';
import type { DashboardDefinition, Field, Frame, WidgetDefinition } from '../../web-components/client/types.js';

interface Entry {
  w: string;
  status: string;
  op?: 'append' | 'replace';
  frame?: Frame;
}

interface Panel {
  def: WidgetDefinition;
  body: HTMLElement;
  chart?: ApexCharts;
  /** The widget's columns, grown by every append, never trimmed. */
  frame?: Frame;
  /** Line and area charts: one growing array of [time, value] per series. */
  series?: { name: string; data: [number, number | null][] }[];
}

/** What the suite reads from the page. */
const progress = {
  messages: 0,
  entries: 0,
  withData: new Set<string>(),
  /** When (performance.now()) each entry with data was applied and drawn. */
  applied: [] as number[],
  charts: 0,
  /** The longest series of the line and area charts, in points. */
  longestSeries: () => Math.max(0, ...[...panels.values()].flatMap((p) => (p.series ?? []).map((s) => s.data.length))),
};
(window as unknown as { __naive: typeof progress }).__naive = progress;

const dashboard = document.body.dataset.dashboard ?? '';
const server = document.body.dataset.server ?? location.origin;
const panels = new Map<string, Panel>();

const ws = new WebSocket(`${server.replace(/^http/, 'ws')}/ws`);
ws.onopen = () => ws.send(JSON.stringify({ type: 'subscribe', dashboard }));
// A first attempt does not reconnect; the suite notes a close.
ws.onclose = (event) => console.error(`naive page: the WebSocket closed with ${event.code} ${event.reason}`);
ws.onmessage = (event: MessageEvent<string>) => {
  const msg = JSON.parse(event.data) as { type: string; definition?: DashboardDefinition; widgets?: Entry[]; updates?: Entry[] };
  progress.messages++;
  if (msg.type === 'snapshot' && msg.definition !== undefined) {
    build(msg.definition);
    for (const entry of msg.widgets ?? []) apply(entry);
  } else if (msg.type === 'update') {
    for (const entry of msg.updates ?? []) apply(entry);
  }
};

function build(def: DashboardDefinition): void {
  for (const panel of panels.values()) panel.chart?.destroy();
  panels.clear();
  document.getElementById('title')!.textContent = def.title;
  const grid = document.getElementById('grid')!;
  grid.innerHTML = '';
  for (const w of def.widgets) {
    const section = document.createElement('section');
    section.className = `panel panel-${w.type}`;
    section.style.gridColumn = `span ${w.size.w}`;
    section.style.gridRow = `span ${w.size.h}`;
    const h2 = document.createElement('h2');
    h2.textContent = w.title;
    const body = document.createElement('div');
    body.className = 'body';
    section.append(h2, body);
    grid.append(section);
    panels.set(w.id, { def: w, body });
  }
}

function apply(entry: Entry): void {
  progress.entries++;
  const panel = panels.get(entry.w);
  if (panel === undefined || entry.frame === undefined || entry.frame.fields.length === 0) return;
  if (entry.op === 'append' && panel.frame !== undefined) appendRows(panel, entry.frame);
  else replace(panel, entry.frame);
  progress.withData.add(entry.w);
  draw(panel);
  progress.applied.push(performance.now());
}

function field(frame: Frame | undefined, name: string | undefined): Field | undefined {
  return frame?.fields.find((f) => f.name === name);
}

function valueFields(def: WidgetDefinition, frame: Frame): Field[] {
  return (def.y ?? []).map((name) => field(frame, name)).filter((f): f is Field => f !== undefined);
}

function replace(panel: Panel, frame: Frame): void {
  panel.frame = frame;
  if (panel.def.type === 'line' || panel.def.type === 'area') {
    const time = field(frame, panel.def.x)!.values as number[];
    panel.series = valueFields(panel.def, frame).map((f) => ({ name: f.name, data: time.map((t, i) => [t, f.values[i] as number | null]) }));
  }
}

/** New rows go on the end; a first row at the last row's time replaces it (a bucket still filling up), as the protocol says. */
function appendRows(panel: Panel, more: Frame): void {
  if (panel.series !== undefined) {
    const time = field(more, panel.def.x)!.values as number[];
    valueFields(panel.def, more).forEach((f, s) => {
      const data = panel.series![s]!.data;
      time.forEach((x, i) => {
        if (data.at(-1)?.[0] === x) data.pop();
        data.push([x, f.values[i] as number | null]);
      });
    });
    return;
  }
  const frame = panel.frame!;
  const t = frame.fields.findIndex((f) => f.type === 'time');
  const last = frame.fields[t]?.values.at(-1);
  const overlap = t >= 0 && last !== undefined && more.fields[t]?.values[0] === last;
  frame.fields.forEach((f, i) => {
    if (overlap) f.values.pop();
    f.values.push(...more.fields[i]!.values);
  });
}

function lastNumber(frame: Frame, def: WidgetDefinition): number | null {
  const values = valueFields(def, frame)[0]?.values ?? [];
  for (let i = values.length - 1; i >= 0; i--) if (typeof values[i] === 'number') return values[i] as number;
  return null;
}

function draw(panel: Panel): void {
  const { def, frame } = panel;
  if (frame === undefined) return;
  switch (def.type) {
    case 'line':
    case 'area': {
      const series = panel.series!;
      if (panel.chart === undefined) {
        panel.chart = chart(panel.body, { chart: { type: def.type, height: '100%' }, series, xaxis: { type: 'datetime' }, dataLabels: { enabled: false } });
      } else {
        void panel.chart.updateSeries(series);
      }
      return;
    }
    case 'bar': {
      const x = field(frame, def.x)!.values;
      const series = valueFields(def, frame).map((f) => ({ name: f.name, data: x.map((c, i) => ({ x: String(c), y: f.values[i] as number | null })) }));
      if (panel.chart === undefined) panel.chart = chart(panel.body, { chart: { type: 'bar', height: '100%' }, series, dataLabels: { enabled: false } });
      else void panel.chart.updateSeries(series);
      return;
    }
    case 'gauge': {
      const value = lastNumber(frame, def) ?? 0;
      const min = def.min ?? 0;
      const max = def.max ?? 100;
      const series = [Math.round((100 * (value - min)) / (max - min))];
      if (panel.chart === undefined) panel.chart = chart(panel.body, { chart: { type: 'radialBar', height: '100%' }, series, labels: [def.title] });
      else void panel.chart.updateSeries(series);
      return;
    }
    case 'stat': {
      const value = lastNumber(frame, def);
      panel.body.innerHTML = `<div class="stat">${value === null ? '–' : value.toLocaleString(undefined, { maximumFractionDigits: 2 })}</div>`;
      return;
    }
    case 'table': {
      const rows = frame.fields[0]?.values.length ?? 0;
      const head = frame.fields.map((f) => `<th>${f.name}</th>`).join('');
      let body = '';
      for (let i = 0; i < rows; i++) body += `<tr>${frame.fields.map((f) => `<td>${f.type === 'time' ? new Date(f.values[i] as number).toLocaleTimeString() : String(f.values[i])}</td>`).join('')}</tr>`;
      panel.body.innerHTML = `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
      return;
    }
    default:
      return;
  }
}

function chart(el: HTMLElement, options: object): ApexCharts {
  const c = new ApexCharts(el, options);
  void c.render();
  progress.charts++;
  return c;
}
