import { expect } from 'chai';
import {
  ConditionSyntaxError,
  MAX_CONDITION_DEPTH,
  MAX_CONDITION_LENGTH,
  conditionColumns,
  conditionWindowMs,
  parseCondition,
  type ConditionNode,
  type NumberExpr,
} from './condition.js';

/** The tree as compact text with every grouping explicit, to assert precedence. */
function show(node: ConditionNode | NumberExpr): string {
  switch (node.kind) {
    case 'number': return String(node.value);
    case 'call': return node.key;
    case 'neg': return `(-${show(node.operand)})`;
    case 'not': return `(not ${show(node.operand)})`;
    case 'arith': case 'compare': return `(${show(node.left)} ${node.op} ${show(node.right)})`;
    case 'and': case 'or': return `(${show(node.left)} ${node.kind} ${show(node.right)})`;
  }
}

function syntaxError(source: string): ConditionSyntaxError {
  try {
    parseCondition(source);
  } catch (err) {
    expect(err, source).to.be.instanceOf(ConditionSyntaxError);
    return err as ConditionSyntaxError;
  }
  throw new Error(`${JSON.stringify(source)} parsed`);
}

describe('parseCondition', () => {
  it('parses reducer calls with windows, offsets and columns', () => {
    const { calls } = parseCondition('avg(15m) < 0.5 * avg(1h offset 1d) and last() > 0 and last(5m, p95) > 0 and max( 30s , "p 99" ) > 0');
    expect(calls.map((c) => [c.fn, c.windowMs, c.offsetMs, c.column])).to.deep.equal([
      ['avg', 900_000, 0, null],
      ['avg', 3_600_000, 86_400_000, null],
      ['last', null, 0, null],
      ['last', 300_000, 0, 'p95'],
      ['max', 30_000, 0, 'p 99'],
    ]);
    expect(calls.map((c) => c.key)).to.deep.equal(['avg(15m)', 'avg(1h offset 1d)', 'last()', 'last(5m, p95)', 'max(30s, "p 99")']);
    expect(calls.map((c) => c.index)).to.deep.equal([0, 1, 2, 3, 4]);
  });

  it('lets last() name a column without a window, and take an offset alone', () => {
    const { calls } = parseCondition("last(p95) > last(, 'p95') or last(offset 1d) > 0 or last(1h30m offset 500ms, x) > 0");
    expect(calls.map((c) => c.key)).to.deep.equal(['last(p95)', 'last(p95)', 'last(offset 1d)', 'last(1h30m offset 500ms, x)']);
    expect(calls[2]).to.include({ windowMs: null, offsetMs: 86_400_000, column: null });
    expect(calls[3]).to.include({ windowMs: 5_400_000, offsetMs: 500, column: 'x' });
  });

  it('gives * and / precedence over + and -, arithmetic over comparison, and over or, not over and', () => {
    const cases: [string, string][] = [
      ['last() > 1 + 2 * 3', '(last() > (1 + (2 * 3)))'],
      ['last() > 8 / 4 / 2', '(last() > ((8 / 4) / 2))'],
      ['last() - 1 - 2 > 0', '(((last() - 1) - 2) > 0)'],
      ['(last() + 1) * 2 > 0', '(((last() + 1) * 2) > 0)'],
      ['last() > 1 or last() > 2 and last() > 3', '((last() > 1) or ((last() > 2) and (last() > 3)))'],
      ['(last() > 1 or last() > 2) and last() > 3', '(((last() > 1) or (last() > 2)) and (last() > 3))'],
      ['not last() > 1 and last() > 2', '((not (last() > 1)) and (last() > 2))'],
      ['not not (last() > 1)', '(not (not (last() > 1)))'],
      ['-last() < -2.5', '((-last()) < -2.5)'],
      ['- -3 < last()', '(3 < last())'],
      ['last() >= 1 and last() <= 2 and last() == 3 and last() != 4', '((((last() >= 1) and (last() <= 2)) and (last() == 3)) and (last() != 4))'],
    ];
    for (const [source, tree] of cases) expect(show(parseCondition(source).root), source).to.equal(tree);
  });

  it('parses the examples of the spec and the brief', () => {
    for (const source of ['avg(15m) < 0.5 * avg(1h offset 1d)', 'last() > 90 and max(5m) > 95', 'rate(1m) >= 10 or pct_change(10m) < -20', 'count(5m) == 0', 'change(1h) > 100', 'sum(1d) <= min(1h) * 24']) {
      expect(() => parseCondition(source), source).not.to.throw();
    }
  });

  it('reports syntax errors with the column of the offending character and what was expected and found', () => {
    const cases: [string, number, RegExp][] = [
      ['', 1, /^expected a condition such as avg\(5m\) > 90, found the end$/],
      ['(last() > 3', 12, /^expected "\)" to close the "\(" at column 1, found the end$/],
      ['last() > 3)', 11, /^expected "and", "or" or the end, found "\)"$/],
      ['last() > 3 +', 13, /^expected a number, a function such as avg\(5m\), or "\(", found the end$/],
      ['avg(5)', 5, /^expected a duration such as 5m after "avg\(", found "5"$/],
      ['avg(5x)', 5, /^expected a duration such as 5m after "avg\(", found "5x"$/],
      ['avg(x)', 5, /^expected a duration such as 5m after "avg\(", found "x"$/],
      ['avg(0s) > 1', 5, /^expected a duration above 0 such as 5m after "avg\(", found "0s"$/],
      ['avgg(5m) > 1', 1, /^unknown function "avgg", did you mean "avg"\?/],
      ['mean(5m) > 1', 1, /did you mean "avg"\?/],
      ['foo(5m) > 1', 1, /^unknown function "foo" \(the functions are last, avg, min, max, sum, count, rate, change, pct_change\)$/],
      ['avg(5m) >', 10, /^expected a number, .*found the end$/],
      ['> 3', 1, /^expected a number, .*found ">"$/],
      ['avg(5m) < < 3', 11, /^expected a number, .*found "<"$/],
      ['avg(5m)', 1, /^expected a comparison such as avg\(5m\) > 90, found only the number "avg\(5m\)"$/],
      ['(last() > 3) / 2 > 1', 1, /^expected a number on the left of "\/", found the condition "\(last\(\) > 3\)"/],
      ['2 / (last() > 3) > 1', 5, /^expected a number on the right of "\/"/],
      ['last() and max(5m) > 3', 1, /on the left of "and", found the number "last\(\)"$/],
      ['last() > 1 or -last()', 15, /on the right of "or", found the number "-last\(\)"$/],
      ['last() > 1 < 2', 12, /comparisons do not chain/],
      ['avg(5m x) > 1', 8, /^expected "offset", "," or "\)" in "avg\(…\)", found "x"$/],
      ['avg(5m, ) > 1', 9, /^expected a column name such as p95 after ",", found "\)"$/],
      ['avg > 1', 5, /^expected "\(" after "avg", found ">"$/],
      ['cpu > 1', 1, /a column goes inside a call: avg\(5m, cpu\)/],
      ['last() = 3', 8, /found "=" \(write "=="\)$/],
      ['last() > 1 && last() < 2', 12, /found "&" \(write "and" \/ "or"\)$/],
      ["last('p95) > 1", 15, /^expected a closing ' for the column name opened at column 6, found the end$/],
      ['1 > 2', 1, /calls a function such as avg\(5m\), found only constants/],
    ];
    for (const [source, column, message] of cases) {
      const err = syntaxError(source);
      expect(err.message, source).to.match(message);
      expect(err.column, source).to.equal(column);
      expect(err.code).to.equal('RTDASH_CONFIG_INVALID');
    }
  });

  it('refuses a condition over the length limit at the first character past it', () => {
    const long = Array.from({ length: 1000 }, () => 'last() > 1').join(' or ');
    expect(long.length).to.be.greaterThan(10_000);
    const err = syntaxError(long);
    expect(err.column).to.equal(MAX_CONDITION_LENGTH + 1);
    expect(err.message).to.equal(`expected a condition of at most ${MAX_CONDITION_LENGTH} characters, found ${long.length} characters`);
    const fits = Array.from({ length: 250 }, () => 'last() > 1').join(' or ');
    expect(parseCondition(fits).calls).to.have.length(250);
  });

  it(`caps nesting at ${MAX_CONDITION_DEPTH} levels of parentheses, "not" and unary minus`, () => {
    const ok = `${'('.repeat(MAX_CONDITION_DEPTH)}last() > 1${')'.repeat(MAX_CONDITION_DEPTH)}`;
    expect(() => parseCondition(ok)).not.to.throw();
    const deep = `${'('.repeat(1000)}last() > 1${')'.repeat(1000)}`;
    const err = syntaxError(deep);
    expect(err.column).to.equal(MAX_CONDITION_DEPTH + 1);
    expect(err.message).to.match(/^expected at most 32 levels of nested parentheses, "not" and "-", found "\(" \(nesting is capped\)$/);
    expect(syntaxError(`${'not '.repeat(40)}last() > 1`).column).to.equal(MAX_CONDITION_DEPTH * 4 + 1);
    expect(syntaxError(`last() > ${'-'.repeat(40)}1`).column).to.equal(10 + MAX_CONDITION_DEPTH);
  });
});

describe('conditionColumns and conditionWindowMs', () => {
  it('lists each named column once, and the default column for calls without one when given', () => {
    const c = parseCondition('avg(5m, p95) > 1 and max(1h, p99) > avg(5m, p95) or last() > 0');
    expect(conditionColumns(c)).to.deep.equal(['p95', 'p99']);
    expect(conditionColumns(c, 'value')).to.deep.equal(['p95', 'p99', 'value']);
  });

  it('gives the longest window plus offset; last() alone needs only its offset', () => {
    expect(conditionWindowMs(parseCondition('avg(15m) < 0.5 * avg(1h offset 1d)'))).to.equal(25 * 3_600_000);
    expect(conditionWindowMs(parseCondition('last() > 1'))).to.equal(0);
    expect(conditionWindowMs(parseCondition('last(offset 2h) > last() and avg(30m) > 0'))).to.equal(2 * 3_600_000);
  });
});
