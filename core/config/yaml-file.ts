/**
 * A YAML file parsed with positions kept, hardened against hostile input, and able to say where any
 * path (as in ajv's `instancePath`) was written.
 */
import { Composer, LineCounter, Parser, isAlias, isMap, isScalar, isSeq, type Document, type Node, type Pair, type Scalar } from 'yaml';
import type { Problem } from './problem.js';
import { MAX_DEPTH, describeYamlIssue, scanSyntax } from './syntax-issues.js';
import { toPlain } from './to-plain.js';

/** Largest file accepted, in characters. */
export const MAX_FILE_CHARS = 1024 * 1024;

/** A path into a document: mapping keys and list indexes. Indexes may be numbers or digit strings. */
export type DocPath = readonly (string | number)[];

/** A 1-based line and column. */
export interface LineCol {
  line: number;
  col: number;
}

/** What `lookup` found: the deepest node reached, and whether the whole path was there. */
interface Lookup {
  node: Node | null;
  /** The pair holding `node` when the last step was a mapping key. */
  pair: Pair<unknown, unknown> | undefined;
  found: boolean;
}

/** A parsed YAML file: its document, its parse problems, and position look-ups for later problems. */
export class YamlFile {
  /** Problems found while parsing; when there are any, `doc` may be missing or partial. */
  readonly problems: Problem[] = [];
  /** The document, or undefined when the text was refused before composing (too big or too deep). */
  readonly doc: Document.Parsed | undefined;
  /** Values filled in from `${ENV}` (see interpolate.ts): problems never repeat them, as they are often secrets. */
  readonly fromEnvironment = new Set<unknown>();
  private readonly lines = new LineCounter();

  /** Parses `text`; never throws for bad input, it records problems instead. */
  constructor(
    readonly text: string,
    readonly file: string,
  ) {
    if (text.length > MAX_FILE_CHARS) {
      this.problems.push(this.problemAt(0, `the file is larger than ${MAX_FILE_CHARS} characters`));
      this.doc = undefined;
      return;
    }
    // Parse to a concrete syntax tree first: yaml's parser is iterative, but composing the tree into
    // nodes recurses, and very deep input can then blow the stack inside a regexp compile, which kills
    // the process instead of throwing. So measure the depth before composing.
    const tokens = Array.from(new Parser(this.lines.addNewLine).parse(text));
    const scan = scanSyntax(tokens);
    const tooDeep = scan.tooDeep;
    if (tooDeep !== undefined) {
      this.problems.push(this.problemAt(tooDeep, `nesting is deeper than ${MAX_DEPTH} levels`));
      this.doc = undefined;
      return;
    }
    const composer = new Composer({ prettyErrors: false, stringKeys: true, uniqueKeys: true, merge: false, strict: true });
    let doc: Document.Parsed | undefined;
    for (const next of composer.compose(tokens, true, text.length)) {
      if (doc === undefined) doc = next;
      else {
        this.problems.push(this.problemAt(next.range[0], 'the file holds more than one YAML document (a second "---"); put one per file'));
        break;
      }
    }
    this.doc = doc;
    // yaml may give several errors for one slip (at one place); the first says it best.
    const reported = new Set<number>();
    for (const issue of [...(doc?.errors ?? []), ...(doc?.warnings ?? [])]) {
      if (reported.has(issue.pos[0])) continue;
      reported.add(issue.pos[0]);
      const { offset, message } = describeYamlIssue(issue, scan, doc as Document.Parsed);
      this.problems.push(this.problemAt(offset, message));
    }
  }

  /** Line and column of a character offset. */
  lineCol(offset: number): LineCol {
    const { line, col } = this.lines.linePos(Math.max(0, Math.min(offset, this.text.length)));
    return { line, col };
  }

  /** A problem at a character offset. */
  problemAt(offset: number, message: string): Problem {
    return { file: this.file, ...this.lineCol(offset), message };
  }

  /** The node at `path`, following aliases; undefined when the path is not in the document. */
  node(path: DocPath): Node | undefined {
    const hit = this.lookup(path);
    return hit.found && hit.node !== null ? hit.node : undefined;
  }

  /**
   * Where `path` was written. `key` points at the mapping key instead of its value (for unknown keys).
   * A path that is not there points at the deepest part that is: a missing key at the mapping meant to hold it.
   */
  position(path: DocPath, at: 'value' | 'key' = 'value'): LineCol {
    const hit = this.lookup(path);
    if (at === 'key' && hit.found && hit.pair !== undefined && isNodeWithRange(hit.pair.key)) {
      return this.lineCol(hit.pair.key.range[0]);
    }
    return this.lineCol(this.offsetOf(hit.node));
  }

  /** A problem at `path` (see `position`). */
  problem(path: DocPath, message: string, at: 'value' | 'key' = 'value'): Problem {
    return { file: this.file, ...this.position(path, at), message };
  }

  /**
   * A problem at the `occurrence`-th match of `pattern` inside the scalar at `target` (a path or the node), so that a bad `${VAR}`
   * or `:name` inside a long query is pointed at exactly. Falls back to the scalar's start.
   */
  problemInScalar(target: DocPath | Scalar, pattern: RegExp, occurrence: number, message: string): Problem {
    const node = isScalar(target) ? target : this.node(target);
    if (node === undefined || !isScalar(node) || !node.range) return isScalar(target) ? this.problemAt(0, message) : this.problem(target, message);
    const start = node.range[0];
    // The raw text differs from the value only by quoting, escapes and folding, none of which create or
    // remove matches of the short tokens we look for, so the n-th match in the source is the n-th in the value.
    const raw = this.text.slice(start, node.range[1]);
    const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : pattern.flags + 'g');
    let index = 0;
    for (const match of raw.matchAll(global)) {
      if (index++ === occurrence) return this.problemAt(start + match.index, message);
    }
    return this.problemAt(start, message);
  }

  /**
   * The document as plain data (objects, arrays, strings, numbers, booleans, null), with alias expansion
   * and depth bounded and `__proto__` keys refused, so nothing downstream can be exploited through it.
   */
  toPlain(): { value: unknown; problems: Problem[] } {
    return toPlain(this);
  }

  private lookup(path: DocPath): Lookup {
    let node: Node | null = this.resolve(this.doc?.contents ?? null);
    let pair: Pair<unknown, unknown> | undefined;
    for (const step of path) {
      if (isMap(node)) {
        const hit: Pair<unknown, unknown> | undefined = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(step));
        if (hit === undefined) return { node, pair, found: false };
        pair = hit;
        node = this.resolve(isNodeWithRange(hit.value) ? hit.value : null);
        if (node === null) return { node: isNodeWithRange(hit.key) ? hit.key : null, pair, found: true };
      } else if (isSeq(node)) {
        const item: unknown = node.items[Number(step)];
        if (!isNodeWithRange(item)) return { node, pair, found: false };
        pair = undefined;
        node = this.resolve(item);
      } else {
        return { node, pair, found: false };
      }
    }
    return { node, pair, found: true };
  }

  private resolve(node: Node | null): Node | null {
    // An alias chain is bounded by the document, and each hop goes to an earlier anchor.
    let current = node;
    for (let hops = 0; isAlias(current) && hops < 1000; hops++) current = current.resolve(this.doc as Document) ?? null;
    return current;
  }

  private offsetOf(node: Node | null): number {
    if (node !== null && node.range) return node.range[0];
    const contents = this.doc?.contents;
    return contents?.range ? contents.range[0] : 0;
  }
}

function isNodeWithRange(value: unknown): value is Node & { range: [number, number, number] } {
  return typeof value === 'object' && value !== null && 'range' in value && Array.isArray((value as { range: unknown }).range);
}
