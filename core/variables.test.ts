import { expect } from 'chai';
import type { Dashboard } from './model.js';
import { resolveVariables, variablesKey } from './variables.js';

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
});
