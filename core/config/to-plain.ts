/**
 * A YAML document as plain data (objects, arrays, strings, numbers, booleans, null), with what hostile
 * input could abuse bounded: alias expansion, nesting through aliases, and `__proto__` keys.
 */
import { isAlias, isMap, isScalar, isSeq, type Document, type Node } from 'yaml';
import type { Problem } from './problem.js';
import { MAX_DEPTH } from './syntax-issues.js';
import type { YamlFile } from './yaml-file.js';

/** Most nodes that aliases may add to a document when expanded: stops "billion laughs" alias bombs. */
export const MAX_ALIAS_NODES = 10_000;

/** The key under which YAML merge keys (`<<: *defaults`) are written. */
const MERGE_KEY = '<<';

/**
 * Converts a parsed file's document. Like yaml's own toJS with maxAliasCount, but an alias bomb is
 * reported at the alias that blows the budget instead of as a bare ReferenceError.
 */
export function toPlain(source: YamlFile): { value: unknown; problems: Problem[] } {
  const problems: Problem[] = [];
  if (source.doc === undefined) return { value: undefined, problems };
  const converter = new PlainConverter(source, problems);
  try {
    return { value: converter.convert(source.doc.contents, 0), problems };
  } catch (err) {
    if (err instanceof Refused) return { value: undefined, problems };
    throw err;
  }
}

/** True for a plain (non-array) object. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Thrown inside the converter to stop at the first sign of an alias bomb. */
class Refused extends Error {}

/** Turns yaml nodes into plain data, counting what aliases add. */
class PlainConverter {
  private readonly done = new Map<Node, { value: unknown; size: number; height: number }>();
  private aliasNodes = 0;

  constructor(
    private readonly source: YamlFile,
    private readonly problems: Problem[],
  ) {}

  convert(node: unknown, depth: number): unknown {
    return this.measure(node, depth).value;
  }

  /** Converts a node once; aliases reuse the result (as yaml's own toJS does) and are charged its size. */
  private measure(node: unknown, depth: number): { value: unknown; size: number; height: number } {
    if (node === null || node === undefined) return { value: null, size: 1, height: 0 };
    if (isAlias(node)) {
      const target = node.resolve(this.source.doc as Document);
      const known = target === undefined ? undefined : this.done.get(target);
      // yaml reports unknown anchors itself; an alias to an anchor still being built is a cycle.
      if (target === undefined || known === undefined) return { value: null, size: 1, height: 0 };
      this.aliasNodes += known.size;
      const offset = node.range?.[0] ?? 0;
      if (this.aliasNodes > MAX_ALIAS_NODES) {
        this.problems.push(this.source.problemAt(offset, `alias *${node.source} expands the document past ${MAX_ALIAS_NODES} nodes; aliases that multiply like this (a "billion laughs" bomb) are refused`));
        throw new Refused();
      }
      if (depth + known.height > MAX_DEPTH) {
        this.problems.push(this.source.problemAt(offset, `alias *${node.source} nests the document deeper than ${MAX_DEPTH} levels`));
        throw new Refused();
      }
      return known;
    }
    const result = this.build(node, depth);
    if (isNodeWithRange(node)) this.done.set(node, result);
    return result;
  }

  private build(node: unknown, depth: number): { value: unknown; size: number; height: number } {
    if (isScalar(node)) return { value: plainScalar(node.value), size: 1, height: 0 };
    if (isSeq(node)) {
      const value: unknown[] = [];
      let size = 1;
      let height = 0;
      for (const item of node.items) {
        const child = this.measure(item, depth + 1);
        value.push(child.value);
        size += child.size;
        height = Math.max(height, child.height + 1);
      }
      return { value, size, height };
    }
    if (isMap(node)) {
      const value: Record<string, unknown> = {};
      let size = 1;
      let height = 0;
      const merged: Record<string, unknown>[] = [];
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        const keyOffset = isNodeWithRange(pair.key) ? (pair.key.range?.[0] ?? 0) : 0;
        if (key === undefined) continue; // stringKeys makes yaml report non-scalar keys
        const child = this.measure(pair.value, depth + 1);
        size += child.size;
        height = Math.max(height, child.height + 1);
        if (key === '__proto__') {
          // Never let it reach an object: Object.assign or a naive merge would replace a prototype.
          this.problems.push(this.source.problemAt(keyOffset, 'unknown key "__proto__" (not allowed anywhere)'));
          continue;
        }
        const sources = Array.isArray(child.value) ? (child.value as unknown[]) : [child.value];
        if (key === MERGE_KEY && sources.every(isPlainObject)) {
          merged.push(...sources);
          continue;
        }
        define(value, key, child.value);
      }
      // Explicit keys win over merged ones, and earlier merge sources over later ones (YAML merge-key rules).
      for (const source of merged) {
        for (const [k, v] of Object.entries(source)) if (!Object.hasOwn(value, k)) define(value, k, v);
      }
      return { value, size, height };
    }
    return { value: null, size: 1, height: 0 };
  }
}

/** Sets an own, enumerable property even for names like `__proto__`, without touching any prototype. */
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

// Only JSON-like values leave this module; YAML 1.1 extras (timestamps, binary) become their text.
function plainScalar(value: unknown): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.toISOString();
  return String(value);
}

function isNodeWithRange(value: unknown): value is Node & { range: [number, number, number] } {
  return typeof value === 'object' && value !== null && 'range' in value && Array.isArray((value as { range: unknown }).range);
}
