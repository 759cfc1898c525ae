import { expect } from 'chai';
import { definePlugin, type PluginDefinition } from '../plugin.js';
import { parseDashboard, type DashboardContext } from './dashboard-config.js';
import { expectOneProblemIn, problemsFrom } from './testing.js';

/** A plugin whose queries are SQL text. */
const fakeSql: PluginDefinition = definePlugin({
  type: 'fakesql',
  description: 'a pretend SQL source for tests',
  optionsSchema: { type: 'object' },
  querySchema: { type: 'string', minLength: 1 },
  create: () => ({ query: async () => ({ fields: [] }), health: async () => ({ status: 'ok' as const }) }),
});
const ctx: DashboardContext = {
  sources: (name) => (name === 'shopdb' ? { type: 'fakesql', plugin: fakeSql } : undefined),
  sourceNames: () => ['shopdb'],
};
const HEAD = 'id: shop\ntitle: Shop\nvariables:\n';
const problemsOf = (text: string): string[] => problemsFrom(() => parseDashboard(text, 'shop.yaml', ctx));

describe('query variables in dashboard files', () => {
  it('reads source, query, refresh, default and the variables the query uses', () => {
    const d = parseDashboard(
      `${HEAD}  region: { type: query, source: shopdb, query: "SELECT DISTINCT region FROM orders ORDER BY 1", refresh: 1m, default: eu, label: Region }\n` +
        `  host: { type: query, source: shopdb, query: "SELECT host FROM hosts WHERE region = :region" }\n`,
      'shop.yaml',
      ctx,
    );
    expect(d.variables).to.deep.equal([
      { name: 'region', type: 'query', source: 'shopdb', query: 'SELECT DISTINCT region FROM orders ORDER BY 1', refreshMs: 60_000, parents: [], default: 'eu', label: 'Region' },
      { name: 'host', type: 'query', source: 'shopdb', query: 'SELECT host FROM hosts WHERE region = :region', refreshMs: 60_000, parents: ['region'] },
    ]);
  });

  it('refuses an unknown source at its place, with the known ones', () => {
    expectOneProblemIn(problemsOf(`${HEAD}  region: { type: query, source: shop, query: "SELECT 1" }\n`), 'shop.yaml:4:34', 'unknown source "shop" in variable "region"', 'shopdb');
  });

  it('refuses a query that uses an undeclared variable, at the reference', () => {
    expectOneProblemIn(problemsOf(`${HEAD}  host: { type: query, source: shopdb, query: "SELECT host FROM hosts WHERE region = :region" }\n`), 'shop.yaml:4:86', 'uses :region', 'no variable "region" is declared', 'variable "host"');
  });

  it('refuses a cycle at the reference that closes it', () => {
    const problems = problemsOf(`${HEAD}  a: { type: query, source: shopdb, query: "SELECT x FROM t WHERE y = :b" }\n  b: { type: query, source: shopdb, query: "SELECT y FROM t WHERE x = :a" }\n`);
    expectOneProblemIn(problems, 'shop.yaml:5:71', 'cycle (a → b → a)', 'variable "b" uses :a');
    expectOneProblemIn(problemsOf(`${HEAD}  a: { type: query, source: shopdb, query: "SELECT x FROM t WHERE y = :a" }\n`), 'shop.yaml:4:71', 'cycle (a → a)');
  });

  it('refuses options, a query of the wrong shape for the source, and a refresh under a second', () => {
    expectOneProblemIn(problemsOf(`${HEAD}  a: { type: query, source: shopdb, query: "SELECT 1", options: [x] }\n`), 'shop.yaml:4:56', '"options" is not for query variables');
    expect(problemsOf(`${HEAD}  a: { type: query, source: shopdb, query: { sql: x } }\n`).join('\n')).to.match(/shop\.yaml:4:44: "query" must be a string/);
    expectOneProblemIn(problemsOf(`${HEAD}  a: { type: query, source: shopdb, query: "SELECT 1", refresh: 10ms }\n`), 'shop.yaml:4:65', '"refresh" must be at least 1000ms');
    expect(problemsOf(`${HEAD}  a: { type: query, query: "SELECT 1" }\n`).join('\n')).to.match(/source/);
  });
});
