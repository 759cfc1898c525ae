/**
 * `${VAR}` and `${VAR:-default}` in config.yaml, so secrets can stay in the environment. Done on the parsed
 * document, scalar by scalar, so every later problem still points at the right line and column.
 */
import { visit, type Scalar } from 'yaml';
import type { Problem } from './problem.js';
import type { LineCol, YamlFile } from './yaml-file.js';

/** Environment variables, as in `process.env`. */
export type Env = Readonly<Record<string, string | undefined>>;

/** What interpolation found wrong, and which scalars it could not fill (their later problems are noise). */
export interface InterpolationResult {
  problems: Problem[];
  /** Start positions of scalars left unfilled; problems reported there afterwards only repeat these. */
  unfilled: LineCol[];
}

/** One piece of a string: literal text or a variable reference. */
export type ReferencePiece = { text: string } | { name: string; fallback: string | undefined } | { malformed: string };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** An unescaped `${` in the source, for pointing at the n-th reference inside a scalar. */
const REFERENCE_START = /(?<!\$)\$\{/g;

/**
 * Splits text into literal pieces and `${…}` references; `$${` is a literal `${`.
 * @example splitReferences('a${B:-c}') // [{ text: 'a' }, { name: 'B', fallback: 'c' }]
 */
export function splitReferences(text: string): ReferencePiece[] {
  const pieces: ReferencePiece[] = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      literal += '${';
      i += 3;
      continue;
    }
    if (!text.startsWith('${', i)) {
      literal += text[i];
      i += 1;
      continue;
    }
    const close = text.indexOf('}', i + 2);
    if (literal !== '') pieces.push({ text: literal });
    literal = '';
    if (close < 0) {
      pieces.push({ malformed: text.slice(i) });
      break;
    }
    const inner = text.slice(i + 2, close);
    const split = inner.indexOf(':-');
    const name = split < 0 ? inner : inner.slice(0, split);
    if (NAME.test(name)) pieces.push({ name, fallback: split < 0 ? undefined : inner.slice(split + 2) });
    else pieces.push({ malformed: text.slice(i, close + 1) });
    i = close + 1;
  }
  if (literal !== '') pieces.push({ text: literal });
  return pieces;
}

/**
 * Replaces references in every string value of the document (keys are left alone). An unset variable
 * with no default is a problem at the position of its reference.
 */
export function interpolate(source: YamlFile, env: Env): InterpolationResult {
  const result: InterpolationResult = { problems: [], unfilled: [] };
  if (source.doc === undefined) return result;
  visit(source.doc, {
    Scalar(key, node) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('${')) return;
      fillScalar(source, node as Scalar<string>, env, result);
    },
  });
  return result;
}

function fillScalar(source: YamlFile, node: Scalar<string>, env: Env, result: InterpolationResult): void {
  let out = '';
  let reference = 0;
  let filled = true;
  let substituted = false;
  for (const piece of splitReferences(node.value)) {
    if ('text' in piece) {
      out += piece.text;
      continue;
    }
    const occurrence = reference++;
    if ('malformed' in piece) {
      result.problems.push(source.problemInScalar(node, REFERENCE_START, occurrence, `malformed reference ${JSON.stringify(piece.malformed)}: write \${NAME} or \${NAME:-default} (and $\${ for a literal \${)`));
      filled = false;
      continue;
    }
    const value = env[piece.name];
    // As in the shell: `:-` covers unset and empty; a bare reference accepts a deliberately empty value.
    if (piece.fallback !== undefined && (value === undefined || value === '')) out += piece.fallback;
    else if (value !== undefined) out += value;
    else {
      result.problems.push(source.problemInScalar(node, REFERENCE_START, occurrence, `environment variable "${piece.name}" is not set and \${${piece.name}} has no default (set it, or write \${${piece.name}:-default})`));
      filled = false;
      continue;
    }
    substituted = true;
  }
  if (!filled) {
    if (node.range) result.unfilled.push(source.lineCol(node.range[0]));
    return;
  }
  // `port: ${PORT}` should give a number, as `port: 8080` would: re-resolve unquoted scalars as YAML does.
  const value = substituted && node.type === 'PLAIN' ? resolvePlain(out) : out;
  (node as Scalar<unknown>).value = value;
  if (substituted) source.fromEnvironment.add(value);
}

/**
 * What YAML 1.2 (core schema) makes of an unquoted scalar: a number, a boolean or null, else the string.
 * The empty string stays a string: an empty variable is not the same as leaving the key out.
 */
export function resolvePlain(text: string): unknown {
  if (/^(?:~|null|Null|NULL)$/.test(text)) return null;
  if (/^(?:true|True|TRUE)$/.test(text)) return true;
  if (/^(?:false|False|FALSE)$/.test(text)) return false;
  if (/^[-+]?[0-9]+$/.test(text)) return Number(text);
  if (/^0o[0-7]+$/.test(text)) return parseInt(text.slice(2), 8);
  if (/^0x[0-9a-fA-F]+$/.test(text)) return parseInt(text.slice(2), 16);
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$/.test(text)) return Number(text);
  if (/^[-+]?\.(?:inf|Inf|INF)$/.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  if (/^\.(?:nan|NaN|NAN)$/.test(text)) return NaN;
  return text;
}
