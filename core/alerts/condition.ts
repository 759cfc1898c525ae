/**
 * The alert condition language (`avg(15m) < 0.5 * avg(1h offset 1d)`): a tokenizer and a
 * recursive-descent parser that turn a rule's `when:` text into a typed tree. Nothing is ever
 * evaluated as JavaScript. condition-eval.ts evaluates the tree over a series.
 */
import { parseDuration } from '../duration.js';
import { suggest as closest } from '../config/suggest.js';
import {
  ConditionSyntaxError,
  MAX_CONDITION_DEPTH,
  MAX_CONDITION_LENGTH,
  REDUCERS,
  type Arithmetic,
  type CompareOp,
  type Condition,
  type ConditionNode,
  type Logical,
  type NumberExpr,
  type ReducerCall,
  type ReducerName,
  type Span,
} from './condition-ast.js';

export * from './condition-ast.js';


type TokenKind = 'number' | 'word' | 'digits' | 'string' | 'op' | 'end';
interface Token { kind: TokenKind; text: string; start: number; end: number; value: string }

const OPS = ['>=', '<=', '==', '!=', '>', '<', '+', '-', '*', '/', '(', ')', ','];
const COMPARE = new Set<string>(['>', '>=', '<', '<=', '==', '!=']);
const KEYWORDS = new Set(['and', 'or', 'not', 'offset']);
const NUMBER = /^\d+(\.\d+)?$/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_.]*$/;
const VALUE = 'a number, a function such as avg(5m), or "("';
const ALIASES: Record<string, ReducerName> = { mean: 'avg', average: 'avg', latest: 'last', total: 'sum', delta: 'change', increase: 'change', minimum: 'min', maximum: 'max' };

class Parser {
  private pos = 0;
  private depth = 0;
  private tok: Token;
  readonly calls: ReducerCall[] = [];

  constructor(private readonly src: string) {
    this.tok = this.lex();
  }

  parse(): ConditionNode {
    if (this.tok.kind === 'end') this.fail(this.tok, 'a condition such as avg(5m) > 90');
    const root = this.parseOr();
    if (!this.isEnd()) {
      if (COMPARE.has(this.tok.text) && root.kind === 'compare') {
        this.fail(this.tok, '"and", "or" or the end', ' (comparisons do not chain: join them with "and")');
      }
      this.fail(this.tok, isCondition(root) ? '"and", "or" or the end' : 'an operator (+ - * /) or a comparison (> >= < <= == !=)');
    }
    if (!isCondition(root)) {
      throw new ConditionSyntaxError(root.start + 1, 'a comparison such as avg(5m) > 90', `only the number ${this.quote(root)}`);
    }
    return root;
  }

  private parseOr(): ConditionNode | NumberExpr {
    let left = this.parseAnd();
    while (this.isWord('or')) left = this.logical('or', left, () => this.parseAnd());
    return left;
  }

  private parseAnd(): ConditionNode | NumberExpr {
    let left = this.parseNot();
    while (this.isWord('and')) left = this.logical('and', left, () => this.parseNot());
    return left;
  }

  private logical(kind: 'and' | 'or', left: ConditionNode | NumberExpr, next: () => ConditionNode | NumberExpr): Logical {
    const l = this.condition(left, `on the left of "${kind}"`);
    this.advance();
    const r = this.condition(next(), `on the right of "${kind}"`);
    return { kind, left: l, right: r, start: l.start, end: r.end };
  }

  private parseNot(): ConditionNode | NumberExpr {
    if (!this.isWord('not')) return this.parseComparison();
    const start = this.enter();
    const operand = this.condition(this.parseNot(), 'after "not"');
    this.depth--;
    return { kind: 'not', operand, start, end: operand.end };
  }

  private parseComparison(): ConditionNode | NumberExpr {
    const left = this.parseSum();
    if (this.tok.kind !== 'op' || !COMPARE.has(this.tok.text)) return left;
    const op = this.tok.text as CompareOp;
    const l = this.number(left, `on the left of "${op}"`);
    this.advance();
    const r = this.number(this.parseSum(), `on the right of "${op}"`);
    return { kind: 'compare', op, left: l, right: r, start: l.start, end: r.end };
  }

  private parseSum(): ConditionNode | NumberExpr {
    let left = this.parseProduct();
    while (this.isOp('+') || this.isOp('-')) left = this.arith(left, () => this.parseProduct());
    return left;
  }

  private parseProduct(): ConditionNode | NumberExpr {
    let left = this.parseUnary();
    while (this.isOp('*') || this.isOp('/')) left = this.arith(left, () => this.parseUnary());
    return left;
  }

  private arith(left: ConditionNode | NumberExpr, next: () => ConditionNode | NumberExpr): Arithmetic {
    const op = this.tok.text as Arithmetic['op'];
    const l = this.number(left, `on the left of "${op}"`);
    this.advance();
    const r = this.number(next(), `on the right of "${op}"`);
    return { kind: 'arith', op, left: l, right: r, start: l.start, end: r.end };
  }

  private parseUnary(): ConditionNode | NumberExpr {
    if (!this.isOp('-')) return this.parsePrimary();
    const start = this.enter();
    const operand = this.number(this.parseUnary(), 'after "-"');
    this.depth--;
    if (operand.kind === 'number') return { kind: 'number', value: -operand.value, start, end: operand.end };
    return { kind: 'neg', operand, start, end: operand.end };
  }

  private parsePrimary(): ConditionNode | NumberExpr {
    const t = this.tok;
    if (t.kind === 'number') {
      this.advance();
      return { kind: 'number', value: Number(t.text), start: t.start, end: t.end };
    }
    if (t.kind === 'op' && t.text === '(') {
      this.enter();
      const inner = this.parseOr();
      if (!this.isOp(')')) this.fail(this.tok, `")" to close the "(" at column ${t.start + 1}`);
      this.depth--;
      return { ...inner, start: t.start, end: this.advance().end };
    }
    if (t.kind === 'word' && (REDUCERS as readonly string[]).includes(t.text)) return this.parseCall(t.text as ReducerName);
    if (t.kind === 'word' && !KEYWORDS.has(t.text)) {
      const guess = suggest(t.text);
      const called = /^\s*\(/.test(this.src.slice(t.end));
      if (guess !== undefined || called) {
        const list = `(the functions are ${REDUCERS.join(', ')})`;
        const found = JSON.stringify(t.text);
        const message = guess === undefined ? `unknown function ${found} ${list}` : `unknown function ${found}, did you mean "${guess}"? ${list}`;
        throw new ConditionSyntaxError(t.start + 1, 'one of the functions', found, message);
      }
    }
    const bare = t.kind === 'word' && !KEYWORDS.has(t.text) ? ` (a column goes inside a call: avg(5m, ${t.text}))` : '';
    return this.fail(t, VALUE, bare);
  }

  private parseCall(fn: ReducerName): ReducerCall {
    const start = this.advance().start;
    if (!this.isOp('(')) this.fail(this.tok, `"(" after "${fn}"`);
    this.advance();
    let window: Token | null = null;
    let offset: Token | null = null;
    let column: Token | null = null;
    const isDuration = () => this.tok.kind === 'digits' || this.tok.kind === 'number';
    if (isDuration() || fn !== 'last') window = this.duration(`a duration such as 5m after "${fn}("`, false);
    if (this.isWord('offset')) {
      this.advance();
      offset = this.duration('a duration such as 1d after "offset"', true);
    }
    const bareColumn = fn === 'last' && !window && !offset && (this.tok.kind === 'string' || this.tok.kind === 'word');
    if (bareColumn || this.isOp(',')) {
      if (!bareColumn) this.advance();
      if (this.tok.kind !== 'word' && this.tok.kind !== 'string') this.fail(this.tok, 'a column name such as p95 after ","');
      column = this.advance();
    }
    if (!this.isOp(')')) {
      const can = [!window && !offset && !column && fn === 'last' ? 'a duration such as 5m' : '', !offset && !column ? '"offset"' : '', !column ? '","' : ''];
      this.fail(this.tok, [...can.filter(Boolean), '")"'].join(', ').replace(/, (?=[^,]*$)/, ' or ') + ` in "${fn}(…)"`);
    }
    const end = this.advance().end;
    const windowMs = window ? (parseDuration(window.text) as number) : null;
    const offsetMs = offset ? (parseDuration(offset.text) as number) : 0;
    const args = [window?.text, offset && `offset ${offset.text}`].filter(Boolean).join(' ');
    const col = column && (IDENT.test(column.value) && !KEYWORDS.has(column.value) ? column.value : JSON.stringify(column.value));
    const key = `${fn}(${args}${col ? (args ? `, ${col}` : col) : ''})`;
    const call: ReducerCall = { kind: 'call', fn, windowMs, offsetMs, column: column?.value ?? null, key, index: this.calls.length, start, end };
    this.calls.push(call);
    return call;
  }

  private duration(expected: string, zeroOk: boolean): Token {
    const t = this.tok;
    const ms = t.kind === 'digits' || t.kind === 'number' ? parseDuration(t.text) : 'not one';
    if (typeof ms === 'string') this.fail(t, expected);
    if (!zeroOk && ms === 0) this.fail(t, expected.replace('a duration', 'a duration above 0'));
    return this.advance();
  }

  private condition(node: ConditionNode | NumberExpr, where: string): ConditionNode {
    if (isCondition(node)) return node;
    throw new ConditionSyntaxError(node.start + 1, `a comparison such as last() > 90 ${where}`, `the number ${this.quote(node)}`);
  }

  private number(node: ConditionNode | NumberExpr, where: string): NumberExpr {
    if (!isCondition(node)) return node;
    throw new ConditionSyntaxError(node.start + 1, `a number ${where}`, `the condition ${this.quote(node)} (true or false)`);
  }

  private enter(): number {
    if (this.depth >= MAX_CONDITION_DEPTH) {
      this.fail(this.tok, `at most ${MAX_CONDITION_DEPTH} levels of nested parentheses, "not" and "-"`, ' (nesting is capped)');
    }
    this.depth++;
    return this.advance().start;
  }

  private quote(span: Span): string {
    const text = this.src.slice(span.start, span.end);
    return JSON.stringify(text.length > 40 ? text.slice(0, 40) + '…' : text);
  }

  private fail(t: Token, expected: string, hint = ''): never {
    const found = t.kind === 'end' ? 'the end' : this.quote(t);
    throw new ConditionSyntaxError(t.start + 1, expected, found, `expected ${expected}, found ${found}${hint}`);
  }

  private isOp(text: string): boolean {
    return this.tok.kind === 'op' && this.tok.text === text;
  }

  private isEnd(): boolean {
    return this.tok.kind === 'end';
  }

  private isWord(text: string): boolean {
    return this.tok.kind === 'word' && this.tok.text === text;
  }

  private advance(): Token {
    const t = this.tok;
    this.tok = this.lex();
    return t;
  }

  /** Reads the next token lazily, so the first error in the text is the one reported. */
  private lex(): Token {
    const src = this.src;
    while (this.pos < src.length && /\s/.test(src[this.pos] as string)) this.pos++;
    const start = this.pos;
    const c = src[start];
    if (c === undefined) return { kind: 'end', text: '', start, end: start, value: '' };
    const take = (kind: TokenKind, end: number, value = src.slice(start, end)): Token => {
      this.pos = end;
      return { kind, text: src.slice(start, end), start, end, value };
    };
    const run = (re: RegExp) => {
      let end = start + 1;
      while (end < src.length && re.test(src[end] as string)) end++;
      return end;
    };
    if (/[0-9]/.test(c)) {
      const end = run(/[0-9A-Za-z_.]/);
      return take(NUMBER.test(src.slice(start, end)) ? 'number' : 'digits', end);
    }
    if (/[A-Za-z_]/.test(c)) return take('word', run(/[A-Za-z0-9_.]/));
    if (c === '"' || c === "'") {
      let value = '';
      for (let i = start + 1; i < src.length; i++) {
        const ch = src[i] as string;
        if (ch === c) return take('string', i + 1, value);
        if (ch === '\\' && i + 1 < src.length) i++;
        value += src[i];
      }
      const t = { kind: 'end' as const, text: '', start: src.length, end: src.length, value: '' };
      this.fail(t, `a closing ${c} for the column name opened at column ${start + 1}`);
    }
    const op = OPS.find((o) => src.startsWith(o, start));
    if (op !== undefined) return take('op', start + op.length);
    const hint = c === '&' || c === '|' ? ' (write "and" / "or")' : c === '=' ? ' (write "==")' : '';
    return this.fail({ kind: 'op', text: c, start, end: start + 1, value: c }, 'an operator, a number or a name', hint);
  }
}

function isCondition(node: ConditionNode | NumberExpr): node is ConditionNode {
  return node.kind === 'compare' || node.kind === 'and' || node.kind === 'or' || node.kind === 'not';
}

/** The reducer a mistyped name most likely meant, if any is close (a few common other names count too). */
function suggest(word: string): ReducerName | undefined {
  const lower = word.toLowerCase();
  return ALIASES[lower] ?? (closest(lower, REDUCERS) as ReducerName | undefined);
}

/**
 * Parses a condition, or throws ConditionSyntaxError. Column names are not checked here.
 * @example parseCondition('avg(15m) < 0.5 * avg(1h offset 1d)').calls.map((c) => c.key) // ['avg(15m)', 'avg(1h offset 1d)']
 */
export function parseCondition(source: string): Condition {
  if (source.length > MAX_CONDITION_LENGTH) {
    throw new ConditionSyntaxError(MAX_CONDITION_LENGTH + 1, `a condition of at most ${MAX_CONDITION_LENGTH} characters`, `${source.length} characters`);
  }
  const parser = new Parser(source);
  const root = parser.parse();
  if (parser.calls.length === 0) {
    // A condition on constants alone never looks at the data: surely a mistake in the rule.
    throw new ConditionSyntaxError(1, 'a condition that calls a function such as avg(5m)', `only constants in ${JSON.stringify(source.trim().slice(0, 40))}`);
  }
  return { source, root, calls: parser.calls };
}

/** The column names a condition reduces, each once, in order; calls without one count as `defaultColumn` when given. */
export function conditionColumns(condition: Condition, defaultColumn?: string): string[] {
  const names = condition.calls.map((c) => c.column ?? defaultColumn).filter((c): c is string => c !== undefined);
  return [...new Set(names)];
}

/** How much history (ms before now) the condition reads: the longest window + offset. `last()` needs only its offset. */
export function conditionWindowMs(condition: Condition): number {
  return condition.calls.reduce((most, c) => Math.max(most, (c.windowMs ?? 0) + c.offsetMs), 0);
}
