/**
 * Just enough of source maps (version 3) to say where a position of a minified bundle came from: the original
 * file, line and name, and the text of that line. For naming the functions of a browser CPU profile.
 */

/** A source map as esbuild writes it. */
interface RawSourceMap {
  version: number;
  sources: string[];
  sourcesContent?: (string | null)[];
  names: string[];
  mappings: string;
  sourceRoot?: string;
}

/** Where a generated position came from. */
export interface OriginalPosition {
  /** The original file, as the map names it (relative to the map). */
  source: string;
  /** 1-based. */
  line: number;
  /** 0-based. */
  column: number;
  /** The original name at that position, when the map has one. */
  name?: string;
  /** The original line's text, when the map carries the sources (a whole minified file may be one line). */
  text?: string;
}

/** One decoded mapping segment: generated column, then source, line, column (all 0-based) and name, or -1. */
type Segment = [genColumn: number, source: number, line: number, column: number, name: number];

const BASE64 = new Map([...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'].map((c, i) => [c, i]));

/** A parsed source map; lines are decoded the first time they are looked up. */
export class SourceMap {
  readonly #map: RawSourceMap;
  readonly #lines: string[];
  readonly #decoded: (Segment[] | undefined)[] = [];
  /** The state of the VLQ deltas at the start of each generated line (source, line, column and name carry over lines). */
  readonly #carry: [number, number, number, number][] = [];
  #sourceLines = new Map<number, string[]>();

  constructor(json: string) {
    this.#map = JSON.parse(json) as RawSourceMap;
    if (this.#map.version !== 3) throw new Error(`source map version ${this.#map.version}: only version 3 is read`);
    this.#lines = this.#map.mappings.split(';');
  }

  /** The original position of a generated (0-based) line and column: the nearest mapping at or before it on that line. */
  lookup(line: number, column: number): OriginalPosition | undefined {
    const segments = this.#segments(line);
    if (segments === undefined || segments.length === 0) return undefined;
    let lo = 0;
    let hi = segments.length - 1;
    if (segments[0]![0] > column) return undefined;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (segments[mid]![0] <= column) lo = mid;
      else hi = mid - 1;
    }
    const [, source, srcLine, srcColumn, name] = segments[lo]!;
    if (source < 0) return undefined;
    const position: OriginalPosition = { source: this.#map.sources[source] ?? '?', line: srcLine + 1, column: srcColumn };
    if (name >= 0 && this.#map.names[name] !== undefined) position.name = this.#map.names[name];
    const text = this.#sourceLine(source, srcLine);
    if (text !== undefined) position.text = text;
    return position;
  }

  #sourceLine(source: number, line: number): string | undefined {
    let lines = this.#sourceLines.get(source);
    if (lines === undefined) {
      lines = (this.#map.sourcesContent?.[source] ?? '').split('\n');
      this.#sourceLines.set(source, lines);
    }
    return lines[line];
  }

  #segments(line: number): Segment[] | undefined {
    if (line < 0 || line >= this.#lines.length) return undefined;
    // Decode every line up to this one: the deltas of source, line, column and name run across lines.
    for (let l = this.#decoded.length; l <= line; l++) {
      const state = l === 0 ? ([0, 0, 0, 0] as [number, number, number, number]) : this.#carry[l - 1]!;
      const [segments, end] = decodeLine(this.#lines[l]!, state);
      this.#decoded.push(segments);
      this.#carry.push(end);
    }
    return this.#decoded[line];
  }
}

function decodeLine(text: string, start: [number, number, number, number]): [Segment[], [number, number, number, number]] {
  let [source, line, column, name] = start;
  const segments: Segment[] = [];
  let genColumn = 0;
  for (const part of text.split(',')) {
    if (part === '') continue;
    const values = decodeVlq(part);
    genColumn += values[0] ?? 0;
    if (values.length >= 4) {
      source += values[1]!;
      line += values[2]!;
      column += values[3]!;
      let nameIndex = -1;
      if (values.length >= 5) {
        name += values[4]!;
        nameIndex = name;
      }
      segments.push([genColumn, source, line, column, nameIndex]);
    } else {
      segments.push([genColumn, -1, -1, -1, -1]);
    }
  }
  segments.sort((a, b) => a[0] - b[0]);
  return [segments, [source, line, column, name]];
}

function decodeVlq(text: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const c of text) {
    const digit = BASE64.get(c);
    if (digit === undefined) throw new Error(`source map: bad base64 digit "${c}"`);
    value += (digit & 31) * 2 ** shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    values.push(value & 1 ? -Math.floor(value / 2) : Math.floor(value / 2));
    value = 0;
    shift = 0;
  }
  return values;
}
