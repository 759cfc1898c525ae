/**
 * A page's CPU profile (CDP `Profiler`, the renderer's main thread) summarised: the functions with the most self
 * time, named through the bundles' source maps (the bundles are minified), and the same time grouped by where the
 * code comes from (ApexCharts, Lit, rtdash's elements, the naive page, the browser's own work).
 */
import type { Profiler, Runtime } from 'node:inspector';
import type { OriginalPosition, SourceMap } from './source-map.js';

/** One function's share of a profile. */
export interface BrowserProfileLine {
  /** `name  file:line  (the line's text)`. */
  where: string;
  selfMs: number;
  /** Percent of the non-idle samples. */
  percent: number;
}

/** A summary of one profile. */
export interface BrowserProfileSummary {
  /** Sampled wall time, ms. */
  totalMs: number;
  /** Non-idle time, ms: what the main thread did. */
  busyMs: number;
  /** Functions by self time; a DOM or CSSOM call made from JS (getBBox…) is listed with the JS function that made it. */
  top: BrowserProfileLine[];
  /** Functions of the page's scripts by total time (their own and everything they called), outermost callers left out. */
  inclusive: BrowserProfileLine[];
  /** Self time grouped by origin, largest first; DOM calls go with the origin of the JS that made them. */
  groups: BrowserProfileLine[];
}

/**
 * What V8 reports for work that is not a JS function: `(program)` is the renderer's own work on the main thread
 * outside JS (style, layout, paint, parsing messages…), `(garbage collector)` is GC, `(idle)` is waiting.
 */
const NATIVE: Record<string, string> = {
  '(program)': '(program): browser work outside JS: style, layout, paint, DOM, IPC',
  '(garbage collector)': '(garbage collector)',
  '(root)': '(root)',
};

/** Callers this generic say nothing about where the time goes: they are left out of the inclusive list. */
const GENERIC = /^(\(root\)|\(program\)|\(garbage collector\)|\(anonymous\)$)/;

type Node = Profiler.ProfileNode;

/** Summarises `profile`; `mapFor(url)` gives the source map of a script, if it has one. */
export function summariseProfile(profile: Profiler.Profile, mapFor: (url: string) => SourceMap | undefined, top: number): BrowserProfileSummary {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parents = new Map<number, Node>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parents.set(child, n);
  const described = new Map<number, Described>();
  const describeNode = (node: Node): Described => {
    let d = described.get(node.id);
    if (d === undefined) {
      d = describe(node.callFrame, mapFor);
      const parent = parents.get(node.id);
      // A DOM or CSSOM call (getBBox, getPropertyValue…): say which JS made it, and count it with that JS's origin.
      if (d.native && !node.callFrame.functionName.startsWith('(') && parent !== undefined && parent.callFrame.url) {
        const caller = describeNode(parent);
        d = { where: `${d.where} ← ${caller.label}`, label: d.label, group: `${caller.group}: DOM/CSSOM calls it makes`, native: true };
      }
      described.set(node.id, d);
    }
    return d;
  };
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const groups = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let busyUs = 0;
  let totalUs = 0;
  for (let i = 0; i < samples.length; i++) {
    const node = nodes.get(samples[i]!);
    // timeDeltas[i + 1] is the time until the next sample: the time spent where sample i was taken.
    const us = deltas[i + 1] ?? 0;
    totalUs += us;
    if (node === undefined || node.callFrame.functionName === '(idle)') continue;
    const d = describeNode(node);
    self.set(d.where, (self.get(d.where) ?? 0) + us);
    groups.set(d.group, (groups.get(d.group) ?? 0) + us);
    busyUs += us;
    const seen = new Set<string>();
    for (let n: Node | undefined = node; n !== undefined; n = parents.get(n.id)) {
      if (!n.callFrame.url) continue;
      const key = describe(n.callFrame, mapFor).where;
      if (seen.has(key) || GENERIC.test(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  const lines = (m: Map<string, number>, n: number) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([where, us]) => ({ where, selfMs: us / 1000, percent: busyUs > 0 ? (100 * us) / busyUs : 0 }));
  return { totalMs: totalUs / 1000, busyMs: busyUs / 1000, top: lines(self, top), inclusive: lines(inclusive, top), groups: lines(groups, 14) };
}

interface Described {
  /** The function, where it is, and a glimpse of its code. */
  where: string;
  /** The function's name alone. */
  label: string;
  group: string;
  /** Not JS: the browser's own work or a DOM call. */
  native: boolean;
}

function describe(frame: Runtime.CallFrame, mapFor: (url: string) => SourceMap | undefined): Described {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return { where: NATIVE[name] ?? name, label: name, group: NATIVE[name] ?? 'DOM/CSSOM calls', native: true };
  const map = mapFor(frame.url);
  const original = map?.lookup(frame.lineNumber, frame.columnNumber);
  if (original === undefined) {
    const file = frame.url.replace(/^https?:\/\/[^/]+\//, '');
    return { where: `${name}  ${file}:${frame.lineNumber + 1}:${frame.columnNumber + 1}`, label: name, group: `other: ${file}`, native: false };
  }
  const file = shortPath(original.source);
  const { label, snippet } = naming(name, original);
  return { where: `${label}  ${file}:${original.line}${snippet ? `  ${snippet}` : ''}`, label: `${label} (${file.split('/')[0]})`, group: groupOf(original), native: false };
}

/** Lines longer than this are minified code: show the code around the position rather than the line. */
const MINIFIED_LINE = 300;

/**
 * The function's name and a glimpse of its code. In a readable source that is the line it starts on. In a source
 * that was minified before it was bundled (ApexCharts ships minified), it is the code around the position; and as
 * Babel's class helper defines methods as `{key:"render",value:function(){…}}`, which V8 names `value`, the
 * nearest `key:"…"` before the position names the method.
 */
function naming(name: string, original: OriginalPosition): { label: string; snippet: string } {
  const text = original.text ?? '';
  if (text.length <= MINIFIED_LINE) {
    const label = original.name !== undefined && original.name !== name ? `${original.name} (${name})` : name;
    return { label, snippet: clip(text.trim(), 70) };
  }
  const before = text.slice(Math.max(0, original.column - 80), original.column + 12);
  const keys = [...before.matchAll(/key:"([\w$]+)"/g)];
  const key = keys.at(-1)?.[1];
  const label = key !== undefined && (name === 'value' || name === '(anonymous)' || name.length <= 2) ? `${key} (${name})` : name;
  return { label, snippet: `col ${original.column + 1}: ${clip(text.slice(original.column, original.column + 60).replace(/\s+/g, ' '), 60)}` };
}

/** `../../node_modules/apexcharts/src/x.js` → `apexcharts/src/x.js`; `../../web-components/a/b.ts` → `web-components/a/b.ts`. */
function shortPath(source: string): string {
  const i = source.lastIndexOf('node_modules/');
  if (i >= 0) return source.slice(i + 'node_modules/'.length);
  return source.replace(/^(\.\.\/)+/, '');
}

function groupOf(original: OriginalPosition): string {
  const path = shortPath(original.source);
  if (original.source.includes('node_modules/')) {
    const parts = path.split('/');
    const pkg = parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
    return `${pkg} (library)`;
  }
  const parts = path.split('/');
  if (parts[0] === 'web-components') return `rtdash ${parts.slice(0, 2).join('/')}`;
  if (parts[0] === 'bench') return 'naive page (bench/browser-naive)';
  return path;
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
