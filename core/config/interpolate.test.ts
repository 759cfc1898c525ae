import { expect } from 'chai';
import { interpolate, resolvePlain, splitReferences } from './interpolate.js';
import { formatProblem } from './problem.js';
import { YamlFile } from './yaml-file.js';

/** Interpolates `text` and returns the plain result with the problems, formatted. */
function run(text: string, env: Record<string, string | undefined>): { value: unknown; problems: string[] } {
  const source = new YamlFile(text, 'config.yaml');
  const { problems } = interpolate(source, env);
  return { value: source.toPlain().value, problems: problems.map(formatProblem) };
}

describe('interpolate', () => {
  it('fills ${VAR} from the environment', () => {
    expect(run('url: postgres://${USER}@db/${NAME}\n', { USER: 'app', NAME: 'shop' })).to.deep.equal({ value: { url: 'postgres://app@db/shop' }, problems: [] });
  });

  it('uses the default of ${VAR:-default} when the variable is unset or empty', () => {
    expect(run('a: ${A:-one}\nb: ${B:-two}\nc: ${C:-}\n', { B: '' }).value).to.deep.equal({ a: 'one', b: 'two', c: '' });
    expect(run('a: ${A:-one}\n', { A: 'set' }).value).to.deep.equal({ a: 'set' });
  });

  it('reports an unset variable without default at its reference', () => {
    expect(run('server:\n  host: x\n  url: "https://${HOST}:${MISSING}"\n', { HOST: 'h' })).to.deep.equal({
      value: { server: { host: 'x', url: 'https://${HOST}:${MISSING}' } },
      problems: ['config.yaml:3:25: environment variable "MISSING" is not set and ${MISSING} has no default (set it, or write ${MISSING:-default})'],
    });
  });

  it('keeps $${ as a literal ${', () => {
    expect(run('a: cost $${X} and ${Y}\n', { Y: 'y' }).value).to.deep.equal({ a: 'cost ${X} and y' });
  });

  it('gives unquoted scalars the type YAML would, and keeps quoted ones strings', () => {
    expect(run('port: ${PORT}\nquoted: "${PORT}"\non: ${ON}\nratio: ${R:-0.5}\n', { PORT: '9000', ON: 'true' }).value).to.deep.equal({ port: 9000, quoted: '9000', on: true, ratio: 0.5 });
  });

  it('leaves keys and comments alone', () => {
    expect(run('${KEY}: 1 # ${COMMENT}\n', {}).value).to.deep.equal({ '${KEY}': 1 });
  });

  it('reports a malformed reference', () => {
    expect(run('a: x ${1ABC} y\n', {}).problems).to.deep.equal(['config.yaml:1:6: malformed reference "${1ABC}": write ${NAME} or ${NAME:-default} (and $${ for a literal ${)']);
  });

  it('splits references', () => {
    expect(splitReferences('a${B:-c}d$${e}')).to.deep.equal([{ text: 'a' }, { name: 'B', fallback: 'c' }, { text: 'd${e}' }]);
    expect(splitReferences('${open')).to.deep.equal([{ malformed: '${open' }]);
  });

  it('resolves plain scalars like YAML 1.2', () => {
    expect([resolvePlain('12'), resolvePlain('0x1F'), resolvePlain('1e3'), resolvePlain('false'), resolvePlain('~'), resolvePlain(''), resolvePlain('12 monkeys')]).to.deep.equal([12, 31, 1000, false, null, '', '12 monkeys']);
  });
});
