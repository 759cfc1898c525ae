/**
 * Where each character of a scalar's value was written in the file, so that an error found at a column
 * inside a value (a bad token in an alert condition) can point at that very character.
 */
import type { Scalar } from 'yaml';

/**
 * The file offset of every character of the scalar's value, or undefined when the source does not map one
 * to one (a quoted or plain scalar over several lines, a folded block with blank or more-indented lines).
 * @example scalarOffsets("when: 'a''b'", node) // [7, 8, 10]
 */
export function scalarOffsets(text: string, node: Scalar): number[] | undefined {
  if (typeof node.value !== 'string' || !node.range) return undefined;
  const [start, end] = node.range;
  const raw = text.slice(start, end);
  const value = node.value;
  let built: { chars: string; offsets: number[] } | undefined;
  switch (node.type) {
    case 'PLAIN':
      built = { chars: raw, offsets: [...raw].map((_, i) => start + i) };
      break;
    case 'QUOTE_SINGLE':
      built = quoted(raw, start, false);
      break;
    case 'QUOTE_DOUBLE':
      built = quoted(raw, start, true);
      break;
    case 'BLOCK_LITERAL':
    case 'BLOCK_FOLDED':
      built = block(raw, start, node.type === 'BLOCK_LITERAL' ? '\n' : ' ');
      break;
    default:
      return undefined;
  }
  // Anything the simple walk got wrong shows up as a difference from the value yaml produced.
  if (built === undefined || built.chars !== value.replace(/\n+$/, '')) return undefined;
  return built.offsets;
}

/** The file offset of the character at 0-based `index` of the value (the end counts, one past the last). */
export function offsetInScalar(offsets: readonly number[], index: number, fallback: number): number {
  if (index < offsets.length) return offsets[index] ?? fallback;
  const last = offsets.at(-1);
  return last === undefined ? fallback : last + 1 + (index - offsets.length);
}

/** A one-line quoted scalar: `''` (single) or a backslash escape (double) is one character of the value. */
function quoted(raw: string, start: number, double: boolean): { chars: string; offsets: number[] } | undefined {
  let chars = '';
  const offsets: number[] = [];
  const quote = double ? '"' : "'";
  for (let i = 1; i < raw.length - 1; i++) {
    const c = raw[i] as string;
    if (c === '\n' || c === '\r') return undefined;
    offsets.push(start + i);
    if (!double && c === "'" && raw[i + 1] === "'") {
      chars += "'";
      i++;
    } else if (double && c === '\\') {
      const kind = raw[i + 1] ?? '';
      const width = kind === 'x' ? 2 : kind === 'u' ? 4 : kind === 'U' ? 8 : 0;
      const decoded = decodeEscape(kind, raw.slice(i + 2, i + 2 + width));
      if (decoded === undefined) return undefined;
      chars += decoded;
      // A character outside the BMP is two UTF-16 units of the value, both written at the backslash.
      for (let extra = 1; extra < decoded.length; extra++) offsets.push(start + i);
      i += 1 + width;
    } else chars += c;
  }
  return raw.endsWith(quote) ? { chars, offsets } : undefined;
}

const SIMPLE_ESCAPES: Record<string, string> = { '0': '\0', a: '\x07', b: '\b', t: '\t', '\t': '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b', ' ': ' ', '"': '"', '/': '/', '\\': '\\', N: '\u0085', _: '\u00a0', L: '\u2028', P: '\u2029' };

function decodeEscape(kind: string, hex: string): string | undefined {
  if (kind === 'x' || kind === 'u' || kind === 'U') {
    const code = /^[0-9a-fA-F]+$/.test(hex) ? parseInt(hex, 16) : NaN;
    return Number.isNaN(code) || code > 0x10ffff ? undefined : String.fromCodePoint(code);
  }
  return SIMPLE_ESCAPES[kind];
}

/** A block scalar (`|` or `>`): its content lines without their indentation, joined as yaml joins them. */
function block(raw: string, start: number, join: string): { chars: string; offsets: number[] } | undefined {
  const header = raw.indexOf('\n');
  if (header < 0) return undefined;
  let chars = '';
  const offsets: number[] = [];
  let indent: number | undefined;
  let at = header + 1;
  for (const line of raw.slice(header + 1).split('\n')) {
    const lineStart = at;
    at += line.length + 1;
    if (line.trim() === '') continue;
    indent ??= line.length - line.trimStart().length;
    if (chars !== '') {
      chars += join;
      offsets.push(start + lineStart - 1);
    }
    for (let i = indent; i < line.length; i++) {
      chars += line[i];
      offsets.push(start + lineStart + i);
    }
  }
  return { chars, offsets };
}
