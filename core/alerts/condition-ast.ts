/**
 * The tree a parsed alert condition becomes (condition.ts parses, condition-eval.ts evaluates), and the error
 * a condition that does not parse throws.
 */
import { RtdashError } from '../errors.js';

/** The reducers a condition may call. */
export const REDUCERS = ['last', 'avg', 'min', 'max', 'sum', 'count', 'rate', 'change', 'pct_change'] as const;
/** The name of one reducer. */
export type ReducerName = (typeof REDUCERS)[number];
/** The longest condition accepted, in characters. */
export const MAX_CONDITION_LENGTH = 4096;
/** How deeply parentheses, `not` and unary minus may nest: deeper input is refused, not recursed into. */
export const MAX_CONDITION_DEPTH = 32;

/** Where a node sits in the source: 0-based offsets, `end` exclusive. */
export interface Span { start: number; end: number }
/** A reducer call such as `avg(1h offset 1d, p95)`. */
export interface ReducerCall extends Span {
  kind: 'call';
  fn: ReducerName;
  /** The window length in ms; null only for `last()` with no window (the latest point, however old). */
  windowMs: number | null;
  /** How far before now the window ends, in ms (0 without `offset`). */
  offsetMs: number;
  /** The column reduced; null means the rule's default column. */
  column: string | null;
  /** The call written canonically (`avg(1h offset 1d)`): the key of its value in evaluation results. */
  key: string;
  /** Its position in `Condition.calls`. */
  index: number;
}
/** A number literal (a leading minus folds into it). */
export interface NumberLiteral extends Span { kind: 'number'; value: number }
/** Unary minus on anything but a literal. */
export interface Negation extends Span { kind: 'neg'; operand: NumberExpr }
/** `+ - * /` on two numbers. */
export interface Arithmetic extends Span { kind: 'arith'; op: '+' | '-' | '*' | '/'; left: NumberExpr; right: NumberExpr }
/** Anything that evaluates to a number (or null when data is missing). */
export type NumberExpr = NumberLiteral | ReducerCall | Negation | Arithmetic;
/** A comparison operator. */
export type CompareOp = '>' | '>=' | '<' | '<=' | '==' | '!=';
/** `left OP right` on two numbers. */
export interface Comparison extends Span { kind: 'compare'; op: CompareOp; left: NumberExpr; right: NumberExpr }
/** `and` / `or` on two conditions, in three-valued logic. */
export interface Logical extends Span { kind: 'and' | 'or'; left: ConditionNode; right: ConditionNode }
/** `not` on a condition. */
export interface Not extends Span { kind: 'not'; operand: ConditionNode }
/** Anything that evaluates to true, false or null (unknown). */
export type ConditionNode = Comparison | Logical | Not;
/** A parsed condition: its source, its tree, and every reducer call in source order. */
export interface Condition { source: string; root: ConditionNode; calls: ReducerCall[] }

/** A condition that does not parse; `column` is 1-based inside the condition text. */
export class ConditionSyntaxError extends RtdashError {
  readonly column: number;
  readonly expected: string;
  readonly found: string;
  constructor(column: number, expected: string, found: string, message = `expected ${expected}, found ${found}`) {
    super('RTDASH_CONFIG_INVALID', message, { details: { column, expected, found } });
    this.name = 'ConditionSyntaxError';
    this.column = column;
    this.expected = expected;
    this.found = found;
  }
}
