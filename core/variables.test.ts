import { expect } from 'chai';
import type { Dashboard } from './model.js';
import { OptionsPending, resolveVariables, variablesKey, type OptionsLookup } from './variables.js';

const dashboard = {
  id: 'd',
  variables: [
    { name: 'region', type: 'select', options: ['eu', 'us'], default: 'eu' },
    { name: 'host', type: 'text', pattern: '[a-z0-9.-]+', default: 'web-1' },
  ],
} as unknown as Dashboard;

describe('resolveVariables', () => {
  it('fills in defaults and keeps valid values', () => {
    expect(resolveVariables(dashboard, undefined)).to.deep.equal({ region: 'eu', host: 'web-1' });
    expect(resolveVariables(dashboard, { region: 'us', host: 'db.internal' })).to.deep.equal({ region: 'us', host: 'db.internal' });
  });

  it('refuses values outside the options or pattern, unknown names and non-strings, naming the variable', () => {
    const bad: [unknown, RegExp][] = [
      [{ region: 'mars' }, /"region" must be one of eu, us; got "mars"/],
      [{ host: "x'; DROP TABLE t; --" }, /"host" must match/],
      [{ host: 'a'.repeat(300) }, /at most 256 characters/],
      [{ zone: 'a' }, /no variable "zone" \(declared: region, host\)/],
      [{ region: 1 }, /"region" must be a string, got number/],
      [['eu'], /"vars" must be an object/],
    ];
    for (const [input, message] of bad) expect(() => resolveVariables(dashboard, input), JSON.stringify(input)).to.throw(message);
  });

  it('gives the same key for the same values in any order', () => {
    expect(variablesKey({ b: '2', a: 'x y' })).to.equal(variablesKey({ a: 'x y', b: '2' }));
  });

  describe('query variables', () => {
    const chained = {
      id: 'q',
      version: 'v1',
      variables: [
        { name: 'host', type: 'query', source: 's', query: 'h', refreshMs: 1000, parents: ['region'] },
        { name: 'region', type: 'query', source: 's', query: 'r', refreshMs: 1000, parents: [], default: 'mars' },
      ],
    } as unknown as Dashboard;
    const table: Record<string, string[]> = { region: ['eu', 'us'], 'host?region=eu': ['eu-1', 'eu-2'], 'host?region=us': [] };
    const options: OptionsLookup = (_d, v, parents) => {
      const key = v.parents.length === 0 ? v.name : `${v.name}?${v.parents.map((p) => `${p}=${parents[p]}`).join('&')}`;
      return table[key] === undefined ? undefined : { options: table[key]! };
    };

    it('resolves parents first; the default when among the options, else the first, else the empty string', () => {
      expect(resolveVariables(chained, {}, { options })).to.deep.equal({ host: 'eu-1', region: 'eu' });
      expect(resolveVariables(chained, { region: 'eu', host: 'eu-2' }, { options })).to.deep.equal({ host: 'eu-2', region: 'eu' });
      expect(resolveVariables(chained, { region: 'us' }, { options })).to.deep.equal({ host: '', region: 'us' });
    });

    it('refuses a value outside the options, or moves it to the default when asked to fall back', () => {
      expect(() => resolveVariables(chained, { region: 'us', host: 'eu-1' }, { options })).to.throw('variable "host" has no option "eu-1": it has no options now');
      expect(() => resolveVariables(chained, { region: 'eu', host: 'x' }, { options })).to.throw('variable "host" has no option "x": it must be one of eu-1, eu-2');
      expect(resolveVariables(chained, { region: 'eu', host: 'x' }, { options, fallback: true })).to.deep.equal({ host: 'eu-1', region: 'eu' });
    });

    it('says when options are still being read, with a promise to wait on', () => {
      const wait = Promise.resolve();
      const thrown = (() => {
        try {
          resolveVariables(chained, { region: 'eu' }, { options: () => undefined, load: () => wait });
        } catch (err) {
          return err;
        }
      })();
      expect(thrown).to.be.instanceOf(OptionsPending);
      expect((thrown as OptionsPending).wait).to.equal(wait);
    });

    it('takes values as given without a lookup (alert rules at load time)', () => {
      expect(resolveVariables(chained, { host: 'anything' })).to.deep.equal({ host: 'anything', region: 'mars' });
    });
  });
});
