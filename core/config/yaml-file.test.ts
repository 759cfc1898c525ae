import { expect } from 'chai';
import { formatProblem } from './problem.js';
import { MAX_DEPTH } from './syntax-issues.js';
import { YamlFile } from './yaml-file.js';

/** Every problem of parsing and converting `text`, formatted. */
function problemsOf(text: string): string[] {
  const source = new YamlFile(text, 'f.yaml');
  const plain = source.problems.length === 0 ? source.toPlain().problems : [];
  return [...source.problems, ...plain].map(formatProblem);
}

describe('YamlFile', () => {
  it('converts a document to plain data', () => {
    const source = new YamlFile('a: 1\nb: [x, "y", true, null, 2.5]\nc: { d: e }\n', 'f.yaml');
    expect(source.problems).to.deep.equal([]);
    expect(source.toPlain()).to.deep.equal({ value: { a: 1, b: ['x', 'y', true, null, 2.5], c: { d: 'e' } }, problems: [] });
  });

  it('reports a syntax error at the line and column yaml gives', () => {
    expect(problemsOf('a: 1\n  b: 2\n')).to.deep.equal(['f.yaml:1:4: nested mappings are not allowed in compact mappings']);
  });

  it('points an unclosed quote at the quote, not at the end of the file', () => {
    expect(problemsOf('a: 1\nb: "unterminated\nc: 3\n')).to.deep.equal(['f.yaml:2:4: this quoted string is never closed']);
  });

  it('points an unclosed bracket at the bracket, not at the end of the file', () => {
    const [problem] = problemsOf('id: hot\ntitle: [unclosed\n');
    expect(problem).to.match(/^f\.yaml:2:8: this "\[" is never closed/);
  });

  it('reports a duplicate key at the second occurrence', () => {
    expect(problemsOf('port: 1\nhost: x\nport: 2\n')).to.deep.equal(['f.yaml:3:1: duplicate key "port": a key may appear only once in a mapping']);
  });

  it('reports a key that is not plain text', () => {
    expect(problemsOf('? [a, b]\n: 1\n')).to.deep.equal(['f.yaml:1:3: a key must be plain text, not a list or a mapping']);
  });

  it('reports a second document', () => {
    expect(problemsOf('a: 1\n---\nb: 2\n')[0]).to.match(/^f\.yaml:2:1: the file holds more than one YAML document/);
  });

  it('refuses 5,000 nested [ cleanly, without a stack overflow', () => {
    expect(problemsOf('['.repeat(5000))).to.deep.equal([`f.yaml:1:${MAX_DEPTH + 1}: nesting is deeper than ${MAX_DEPTH} levels`]);
  });

  it('refuses deep block nesting too', () => {
    const text = Array.from({ length: 100 }, (_, i) => `${' '.repeat(i)}a:`).join('\n');
    expect(problemsOf(text)).to.deep.equal([`f.yaml:${MAX_DEPTH + 1}:${MAX_DEPTH + 1}: nesting is deeper than ${MAX_DEPTH} levels`]);
  });

  it('accepts nesting up to the limit', () => {
    const text = `${'['.repeat(MAX_DEPTH)}${']'.repeat(MAX_DEPTH)}`;
    expect(problemsOf(text)).to.deep.equal([]);
  });

  it('refuses a billion-laughs alias bomb at the alias that blows the budget', () => {
    const lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]'];
    for (const [prev, next] of [['a', 'b'], ['b', 'c'], ['c', 'd'], ['d', 'e'], ['e', 'f'], ['f', 'g'], ['g', 'h'], ['h', 'i']]) {
      lines.push(`${next}: &${next} [${Array(9).fill(`*${prev}`).join(', ')}]`);
    }
    const problems = problemsOf(lines.join('\n'));
    expect(problems).to.deep.equal(['f.yaml:5:8: alias *d expands the document past 10000 nodes; aliases that multiply like this (a "billion laughs" bomb) are refused']);
  });

  it('shares aliased values instead of copying them', () => {
    const { value, problems } = new YamlFile('base: &b { w: 4 }\none: *b\ntwo: *b\n', 'f.yaml').toPlain();
    expect(problems).to.deep.equal([]);
    expect(value).to.deep.equal({ base: { w: 4 }, one: { w: 4 }, two: { w: 4 } });
  });

  it('supports merge keys, with explicit keys winning', () => {
    const { value } = new YamlFile('base: &b { w: 4, h: 3 }\nwidget:\n  <<: *b\n  h: 5\n', 'f.yaml').toPlain();
    expect(value).to.deep.equal({ base: { w: 4, h: 3 }, widget: { w: 4, h: 5 } });
  });

  it('reports a __proto__ key as unknown and never pollutes a prototype', () => {
    const source = new YamlFile('__proto__: { polluted: yes }\nnested:\n  __proto__: { polluted: yes }\n  ok: 1\n', 'f.yaml');
    const { value, problems } = source.toPlain();
    expect(problems.map(formatProblem)).to.deep.equal(['f.yaml:1:1: unknown key "__proto__" (not allowed anywhere)', 'f.yaml:3:3: unknown key "__proto__" (not allowed anywhere)']);
    expect(value).to.deep.equal({ nested: { ok: 1 } });
    expect(Object.getPrototypeOf(value)).to.equal(Object.prototype);
    expect(({} as Record<string, unknown>)['polluted']).to.equal(undefined);
    expect(Object.prototype).to.not.have.property('polluted');
  });

  it('maps paths to positions: values, keys, list items and missing keys', () => {
    const source = new YamlFile('server:\n  port: 80\nlist:\n  - a\n  - { b: 1 }\n', 'f.yaml');
    expect(source.position(['server', 'port'])).to.deep.equal({ line: 2, col: 9 });
    expect(source.position(['server', 'port'], 'key')).to.deep.equal({ line: 2, col: 3 });
    expect(source.position(['list', 1, 'b'])).to.deep.equal({ line: 5, col: 10 });
    expect(source.position(['list', '1', 'b'])).to.deep.equal({ line: 5, col: 10 });
    // A missing key points at the mapping that should hold it.
    expect(source.position(['server', 'host'])).to.deep.equal({ line: 2, col: 3 });
    expect(source.position([])).to.deep.equal({ line: 1, col: 1 });
  });

  it('follows aliases when mapping paths', () => {
    const source = new YamlFile('base: &b\n  w: 4\nwidget: *b\n', 'f.yaml');
    expect(source.position(['widget', 'w'])).to.deep.equal({ line: 2, col: 6 });
  });

  it('points inside a scalar at the n-th match of a pattern', () => {
    const source = new YamlFile('q: |\n  SELECT :a\n  WHERE x = :b\n', 'f.yaml');
    const p = source.problemInScalar(['q'], /:[a-z]/, 1, 'here');
    expect(formatProblem(p)).to.equal('f.yaml:3:13: here');
  });
});
