/**
 * yaml's syntax errors, located where the fix is and worded for people, plus the checks that must run on
 * the syntax tree before yaml composes it (nesting depth).
 */
import { visit, isScalar, type CST, type Document, type YAMLError } from 'yaml';

/** Deepest nesting of mappings and lists accepted; far beyond any real config, far below a stack overflow. */
export const MAX_DEPTH = 64;

/** What a scan of the syntax tree found. */
export interface SyntaxScan {
  /** Offset of the first collection nested deeper than MAX_DEPTH. */
  tooDeep: number | undefined;
  unclosed: OpenBracket[];
  unclosedQuotes: number[];
}

/** A syntax problem: where it is and what to say. */
export interface SyntaxIssue {
  offset: number;
  message: string;
}

/** Words a yaml error or warning, pointing at the bracket, quote or key to fix rather than where the text ran out. */
export function describeYamlIssue(issue: YAMLError, scan: SyntaxScan, doc: Document.Parsed): SyntaxIssue {
  const at = issue.pos[0];
  if (issue.code === 'DUPLICATE_KEY') {
    const key = keyAt(doc, at);
    if (key !== undefined) return { offset: at, message: `duplicate key "${key}": a key may appear only once in a mapping` };
  }
  if (issue.code === 'MISSING_CHAR' && /closing .?quote/.test(issue.message)) {
    const quote = lastBefore(scan.unclosedQuotes, at);
    if (quote !== undefined) return { offset: quote, message: 'this quoted string is never closed' };
  }
  if (issue.code === 'BAD_INDENT') {
    const opening = unclosedBefore(scan.unclosed, at, issue.message);
    if (opening !== undefined) {
      const [open, close, kind] = opening.bracket === '[' ? ['[', ']', 'list'] : ['{', '}', 'mapping'];
      return { offset: opening.offset, message: `this "${open}" is never closed: a flow ${kind} must end with "${close}", and lines inside it must be indented further than its key` };
    }
  }
  // We parse with stringKeys, whose message names an option the author never set.
  if (/^With stringKeys/.test(issue.message)) return { offset: at, message: 'a key must be plain text, not a list or a mapping' };
  return { offset: at, message: sentence(issue.message) };
}

// yaml's messages are sentences with a capital and sometimes a trailing period; ours are lower-case fragments.
function sentence(message: string): string {
  const text = message.replace(/\s+/g, ' ').trim().replace(/\.$/, '');
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** The text of the mapping key that starts at `offset`, if one does. */
function keyAt(doc: Document.Parsed, offset: number): string | undefined {
  let found: string | undefined;
  visit(doc, {
    Pair(_key, pair) {
      if (isScalar(pair.key) && pair.key.range?.[0] === offset) {
        found = String(pair.key.value);
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/** The greatest offset not after `offset`. */
function lastBefore(offsets: readonly number[], offset: number): number | undefined {
  let found: number | undefined;
  for (const o of offsets) if (o <= offset && (found === undefined || o > found)) found = o;
  return found;
}

/** An unclosed `[` or `{` found in the syntax tree. */
export interface OpenBracket {
  offset: number;
  bracket: string;
}

/** The last unclosed flow collection of the kind a "flow sequence/map … must end with" message is about. */
function unclosedBefore(unclosed: readonly OpenBracket[], offset: number, message: string): OpenBracket | undefined {
  const bracket = /^Flow sequence/.test(message) ? '[' : /^Flow map/.test(message) ? '{' : undefined;
  if (bracket === undefined) return undefined;
  let found: OpenBracket | undefined;
  for (const open of unclosed) if (open.bracket === bracket && open.offset <= offset && (found === undefined || open.offset > found.offset)) found = open;
  return found;
}

/**
 * Walks the syntax tree without recursion: finds the first collection nested deeper than MAX_DEPTH, and
 * the flow collections and quoted strings that were never closed (yaml reports those where the text ends).
 */
export function scanSyntax(tokens: readonly CST.Token[]): SyntaxScan {
  const unclosed: OpenBracket[] = [];
  const unclosedQuotes: number[] = [];
  const stack: { token: CST.Token | null | undefined; depth: number }[] = tokens.map((token) => ({ token, depth: 0 }));
  while (stack.length > 0) {
    const { token, depth } = stack.pop() as { token: CST.Token | null | undefined; depth: number };
    if (token === null || token === undefined) continue;
    if (token.type === 'document') {
      stack.push({ token: token.value, depth });
    } else if (token.type === 'double-quoted-scalar' || token.type === 'single-quoted-scalar') {
      const quote = token.source[0] as string;
      if (token.source.length < 2 || !token.source.endsWith(quote)) unclosedQuotes.push(token.offset);
    } else if (token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection') {
      if (depth + 1 > MAX_DEPTH) return { tooDeep: token.offset, unclosed, unclosedQuotes };
      if (token.type === 'flow-collection' && !token.end.some((t) => t.type === 'flow-seq-end' || t.type === 'flow-map-end')) {
        unclosed.push({ offset: token.offset, bracket: token.start.source });
      }
      for (const item of token.items) {
        stack.push({ token: item.value, depth: depth + 1 });
        if ('key' in item) stack.push({ token: item.key, depth: depth + 1 });
      }
    }
  }
  return { tooDeep: undefined, unclosed, unclosedQuotes };
}
