import { expect } from 'chai';
import { expectOneProblemIn, problemsFrom } from './testing.js';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { definePlugin, type PluginDefinition } from '../plugin.js';
import { dashboardVersion, loadDashboardDir, loadDashboardFile, parseDashboard, type DashboardContext } from './dashboard-config.js';
import { formatProblem } from './problem.js';

/** A plugin whose queries are `{ sql: string, limit?: integer }`. */
const fakeSql: PluginDefinition = definePlugin({
  type: 'fakesql',
  description: 'a pretend SQL source for tests',
  optionsSchema: { type: 'object' },
  querySchema: {
    type: 'object',
    required: ['sql'],
    additionalProperties: false,
    properties: { sql: { type: 'string', minLength: 1 }, limit: { type: 'integer', minimum: 1 } },
  },
  create: () => ({ query: async () => ({ fields: [] }), health: async () => ({ status: 'ok' as const }) }),
});

const sources: Record<string, { type: string; plugin?: PluginDefinition }> = {
  shopdb: { type: 'fakesql', plugin: fakeSql },
  metrics: { type: 'unchecked' },
};
const ctx: DashboardContext = {
  sources: (name) => (Object.hasOwn(sources, name) ? sources[name] : undefined),
  sourceNames: () => Object.keys(sources),
};

/** The problems a text yields, formatted as file:line:col: message. */
function problemsOf(text: string, file = 'shop.yaml'): string[] {
  return problemsFrom(() => parseDashboard(text, file, ctx));
}

/** Asserts the text yields exactly one problem, at `where`, whose message contains every fragment. */
function expectOneProblem(text: string, where: string, ...fragments: string[]): void {
  expectOneProblemIn(problemsOf(text), where, ...fragments);
}

const HEAD = 'id: shop\ntitle: Shop\n';

const GOOD = `# yaml-language-server: $schema=https://rtdash.dev/schemas/dashboard.json
id: shop
title: Shop overview
refresh: 10s
variables:
  region: { type: select, options: [eu, us, apac], default: eu, label: Region }
  sku: { type: text, pattern: "[A-Z]{3}-[0-9]+", default: ABC-1 }
layout: { columns: 12 }
widgets:
  - id: revenue
    title: Revenue per minute
    type: line
    source: shopdb
    query:
      sql: |
        SELECT date_trunc('minute', created_at)::timestamptz AS t, sum(total) AS revenue
        FROM orders WHERE region = :region AND sku = :sku AND region <> :region
        GROUP BY 1 ORDER BY 1
    every: 10s
    keep: 1h
    x: t
    y: [revenue]
    unit: currency:EUR
    size: { w: 6, h: 4 }
  - id: orders
    type: stat
    source: metrics
    query: orders_total
    cron: "*/5 * * * *"
    keep: 50
    y: orders
    thresholds: [{ value: 10, color: green }, { value: 0, color: red }]
    min: 0
    max: 100
  - id: intro
    type: text
    content: Hello
`;

describe('parseDashboard', () => {
  it('reads a valid dashboard into the normalised model', () => {
    const d = parseDashboard(GOOD, 'shop.yaml', ctx);
    expect(d.id).to.equal('shop');
    expect(d.title).to.equal('Shop overview');
    expect(d.refreshMs).to.equal(10_000);
    expect(d.file).to.equal('shop.yaml');
    expect(d.layout).to.deep.equal({ columns: 12 });
    expect(d.variables).to.deep.equal([
      { name: 'region', type: 'select', options: ['eu', 'us', 'apac'], default: 'eu', label: 'Region' },
      { name: 'sku', type: 'text', pattern: '[A-Z]{3}-[0-9]+', default: 'ABC-1' },
    ]);
    const [revenue, orders, intro] = d.widgets;
    expect(revenue).to.deep.include({
      id: 'revenue',
      title: 'Revenue per minute',
      type: 'line',
      source: 'shopdb',
      schedule: { kind: 'every', ms: 10_000 },
      keep: { kind: 'duration', ms: 3_600_000 },
      x: 't',
      y: ['revenue'],
      unit: 'currency:EUR',
      size: { w: 6, h: 4 },
      // `::timestamptz` is a cast, not a variable; :region counts once, in order of first use.
      variables: ['region', 'sku'],
      position: { file: 'shop.yaml', line: 10, col: 9 },
    });
    expect(orders).to.deep.include({
      title: '',
      schedule: { kind: 'cron', expression: '*/5 * * * *' },
      keep: { kind: 'points', count: 50 },
      y: ['orders'],
      size: { w: 4, h: 3 },
      thresholds: [
        { value: 0, color: 'red' },
        { value: 10, color: 'green' },
      ],
    });
    expect(intro).to.deep.include({ type: 'text', content: 'Hello', schedule: { kind: 'every', ms: 10_000 }, keep: { kind: 'points', count: 300 } });
    expect(intro?.source).to.equal(undefined);
    expect(d.version).to.match(/^[0-9a-f]{12}$/);
  });

  it('applies the defaults: refresh 5s, 12 columns, keep 300 points, size 4x3', () => {
    const d = parseDashboard(`${HEAD}widgets:\n  - { id: a, type: stat, source: metrics, query: x }\n`, 'shop.yaml', ctx);
    expect(d.refreshMs).to.equal(5000);
    expect(d.layout.columns).to.equal(12);
    expect(d.variables).to.deep.equal([]);
    expect(d.widgets[0]).to.deep.include({ schedule: { kind: 'every', ms: 5000 }, keep: { kind: 'points', count: 300 }, size: { w: 4, h: 3 }, variables: [] });
  });

  it('gives the same version for the same meaning, and a new one when the meaning changes', () => {
    const a = parseDashboard(GOOD, 'shop.yaml', ctx).version;
    const commented = parseDashboard(`# a comment\n\n${GOOD}`, 'elsewhere.yaml', ctx).version;
    const changed = parseDashboard(GOOD.replace('every: 10s', 'every: 20s'), 'shop.yaml', ctx).version;
    expect(commented).to.equal(a);
    expect(changed).to.not.equal(a);
    const d = parseDashboard(GOOD, 'shop.yaml', ctx);
    expect(dashboardVersion(d)).to.equal(a);
  });

  it('reports a YAML syntax error at its line and column', () => {
    expectOneProblem(`${HEAD}widgets: [\n  { id: a }\nlayout: {}\n`, 'shop.yaml:3:10', 'this "[" is never closed', 'must end with "]"');
  });

  it('reports an unknown widget key with a suggestion', () => {
    expectOneProblem(`${HEAD}widgets:\n  - id: revenue\n    type: stat\n    source: metrics\n    query: x\n    evry: 10s\n`, 'shop.yaml:8:5', 'unknown key "evry" in widget "revenue"; did you mean "every"?');
  });

  it('reads an alerts section (alert-rules.test.ts checks the rules), empty when left out', () => {
    expect(parseDashboard(`${HEAD}alerts: []\n`, 'shop.yaml', ctx).alerts).to.deep.equal([]);
    expect(parseDashboard(HEAD, 'shop.yaml', ctx).alerts).to.deep.equal([]);
  });

  it('reads access: public (the default) or token, and refuses anything else', () => {
    expect(parseDashboard(HEAD, 'shop.yaml', ctx).access).to.equal('public');
    expect(parseDashboard(`${HEAD}access: token\n`, 'shop.yaml', ctx).access).to.equal('token');
    expect(parseDashboard(`${HEAD}access: token\n`, 'shop.yaml', ctx).version).to.not.equal(parseDashboard(HEAD, 'shop.yaml', ctx).version);
    expectOneProblem(`${HEAD}access: private\n`, 'shop.yaml:3:9', '"access" must be one of public, token; got "private"');
  });

  it('reads access: { public: false, groups } for signed-in users, and refuses groups on a public dashboard', () => {
    const ops = parseDashboard(`${HEAD}access: { public: false, groups: [ops, sre] }\n`, 'shop.yaml', ctx);
    expect([ops.access, ops.groups]).to.deep.equal(['signed-in', ['ops', 'sre']]);
    const anyone = parseDashboard(`${HEAD}access:\n  public: false\n`, 'shop.yaml', ctx);
    expect([anyone.access, anyone.groups]).to.deep.equal(['signed-in', undefined]);
    expect(parseDashboard(`${HEAD}access: { public: true }\n`, 'shop.yaml', ctx).access).to.equal('public');
    expectOneProblem(`${HEAD}access:\n  public: true\n  groups: [ops]\n`, 'shop.yaml:5:11', 'groups apply only to a dashboard that is not public');
    expectOneProblem(`${HEAD}access: { groups: [ops] }\n`, 'shop.yaml:3:1', 'missing required key "public" in "access"');
  });

  it('reports a wrong type naming the key', () => {
    expectOneProblem(`${HEAD}layout:\n  columns: wide\n`, 'shop.yaml:4:12', '"columns" must be an integer, got the string "wide"');
  });

  it('reports a widget type outside the list', () => {
    expectOneProblem(`${HEAD}widgets:\n  - { id: a, type: pie, source: metrics, query: x }\n`, 'shop.yaml:4:20', '"type" must be one of line, area, bar, stat, gauge, table, alerts, text; got "pie"');
  });

  it('reports a missing required key at the mapping that lacks it', () => {
    expectOneProblem('title: Shop\n', 'shop.yaml:1:1', 'missing required key "id"');
  });

  it('reports a source that does not exist, listing the known ones', () => {
    expectOneProblem(`${HEAD}widgets:\n  - id: a\n    type: stat\n    source: shopbd\n    query: { sql: x }\n`, 'shop.yaml:6:13', 'unknown source "shopbd" in widget "a"; did you mean "shopdb"?', 'known sources: shopdb, metrics');
  });

  it('reports a duplicate widget id at the second one', () => {
    expectOneProblem(`${HEAD}widgets:\n  - { id: a, type: text, content: x }\n  - { id: a, type: text, content: y }\n`, 'shop.yaml:5:11', 'widget id "a" is used twice', 'line 4');
  });

  it('reports a variable the query uses but the dashboard does not declare, at the reference', () => {
    const text = `${HEAD}variables:\n  region: { type: select, options: [eu] }\nwidgets:\n  - id: a\n    type: line\n    source: shopdb\n    query:\n      sql: |\n        SELECT 1\n        WHERE region = :region AND day = :day::date\n`;
    expectOneProblem(text, 'shop.yaml:12:42', 'uses :day', 'no variable "day" is declared', 'widget "a"');
  });

  it('rejects every: 0s', () => {
    expectOneProblem(`${HEAD}widgets:\n  - { id: a, type: stat, source: metrics, query: x, every: 0s }\n`, 'shop.yaml:4:60', '"every" must be greater than zero');
  });

  it('rejects every: -1s', () => {
    expectOneProblem(`${HEAD}widgets:\n  - { id: a, type: stat, source: metrics, query: x, every: -1s }\n`, 'shop.yaml:4:60', '"every" must be greater than zero');
  });

  it('rejects an every below 100ms', () => {
    expectOneProblem(`${HEAD}widgets:\n  - { id: a, type: stat, source: metrics, query: x, every: 50ms }\n`, 'shop.yaml:4:60', '"every" must be at least 100ms');
  });

  it('rejects an every that is not a duration', () => {
    expectOneProblem(`${HEAD}widgets:\n  - { id: a, type: stat, source: metrics, query: x, every: 10 seconds }\n`, 'shop.yaml:4:60', '"every" must be a duration such as 500ms');
  });

  it('rejects an invalid cron expression', () => {
    expectOneProblem(`${HEAD}widgets:\n  - id: a\n    type: stat\n    source: metrics\n    query: x\n    cron: "61 * * * *"\n`, 'shop.yaml:8:11', '"cron" "61 * * * *" is not a valid cron expression', 'minute');
  });

  it('accepts a cron expression with a seconds field', () => {
    const d = parseDashboard(`${HEAD}widgets:\n  - { id: a, type: stat, source: metrics, query: x, cron: "*/10 * * * * *" }\n`, 'shop.yaml', ctx);
    expect(d.widgets[0]?.schedule).to.deep.equal({ kind: 'cron', expression: '*/10 * * * * *' });
  });

  it('rejects a widget with both every and cron', () => {
    expectOneProblem(`${HEAD}widgets:\n  - id: a\n    type: stat\n    source: metrics\n    query: x\n    every: 5s\n    cron: "* * * * *"\n`, 'shop.yaml:9:5', 'widget "a" sets both "every" and "cron"');
  });

  it('checks a query against its plugin querySchema, pointing inside the query', () => {
    expectOneProblem(`${HEAD}widgets:\n  - id: a\n    type: table\n    source: shopdb\n    query:\n      sql: SELECT 1\n      limit: zero\n`, 'shop.yaml:9:14', '"limit" must be an integer, got the string "zero"');
    expectOneProblem(`${HEAD}widgets:\n  - id: a\n    type: table\n    source: shopdb\n    query:\n      sq: SELECT 1\n`, 'shop.yaml:8:7', 'unknown key "sq" in the query of widget "a"; did you mean "sql"?');
  });

  it('requires source and query for data widgets and content for text widgets', () => {
    expectOneProblem(`${HEAD}widgets:\n  - { id: a, type: stat, source: metrics }\n`, 'shop.yaml:4:5', 'missing required key "query" in widget "a"');
    expectOneProblem(`${HEAD}widgets:\n  - { id: a, type: text }\n`, 'shop.yaml:4:5', 'missing required key "content" in widget "a"');
  });

  it('rejects a width wider than the layout', () => {
    expectOneProblem(`id: shop\ntitle: Shop\nlayout: { columns: 6 }\nwidgets:\n  - { id: a, type: text, content: x, size: { w: 8 } }\n`, 'shop.yaml:5:49', '"w" is 8 but the layout has only 6 columns');
  });

  it('rejects a select default that is not an option, and a text default that misses the pattern', () => {
    expectOneProblem(`${HEAD}variables:\n  region: { type: select, options: [eu, us], default: mars }\n`, 'shop.yaml:4:55', 'default "mars" of variable "region" is not one of its options');
    expectOneProblem(`${HEAD}variables:\n  sku: { type: text, pattern: "[0-9]+", default: abc }\n`, 'shop.yaml:4:50', 'default "abc" of variable "sku" does not match its pattern');
  });

  it('rejects an invalid variable name at the name', () => {
    expectOneProblem(`${HEAD}variables:\n  1st: { type: select, options: [a] }\n`, 'shop.yaml:4:3', 'key "1st"', 'must start with a letter or _');
  });

  it('reports a __proto__ key in a widget as unknown, and pollutes nothing', () => {
    expectOneProblem(`${HEAD}widgets:\n  - id: a\n    type: text\n    content: x\n    __proto__: { polluted: true }\n`, 'shop.yaml:7:5', 'unknown key "__proto__"');
    expect(Object.prototype).to.not.have.property('polluted');
  });

  it('reports an empty file', () => {
    expectOneProblem('# nothing here\n', 'shop.yaml:1:1', 'the file is empty');
  });

  it('reports a file whose top level is a list', () => {
    expectOneProblem('- id: shop\n', 'shop.yaml:1:1', 'the top level must be a mapping', 'got a list');
  });
});

describe('loadDashboardDir', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rtdash-dashboards-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads every file on its own: broken ones give problems, the others still load', async () => {
    await writeFile(join(dir, 'a.yaml'), 'id: a\ntitle: A\n');
    await writeFile(join(dir, 'b.yml'), 'id: b\ntitle: [\n');
    await writeFile(join(dir, 'c.yaml'), 'id: c\ntitle: C\n');
    await writeFile(join(dir, 'notes.txt'), 'not a dashboard');
    await writeFile(join(dir, '.#c.yaml'), 'an editor lock file');
    await symlink(join(dir, 'a.yaml'), join(dir, 'd.yaml'));
    const { dashboards, problems } = await loadDashboardDir(dir, ctx);
    expect(dashboards.map((d) => d.id)).to.deep.equal(['a', 'c']);
    // b.yml is broken; d.yaml, a symlink to a.yaml, is read and clashes with it.
    expect(problems.map((p) => p.file)).to.deep.equal([join(dir, 'b.yml'), join(dir, 'd.yaml')]);
  });

  it('reports a dashboard id already used by an earlier file, in the later file', async () => {
    await writeFile(join(dir, 'one.yaml'), 'id: shop\ntitle: One\n');
    await writeFile(join(dir, 'two.yaml'), '# the same id again\nid: shop\ntitle: Two\n');
    const { dashboards, problems } = await loadDashboardDir(dir, ctx);
    expect(dashboards.map((d) => d.title)).to.deep.equal(['One']);
    expect(problems.map(formatProblem)).to.deep.equal([`${join(dir, 'two.yaml')}:2:5: dashboard id "shop" is already used by ${join(dir, 'one.yaml')}; dashboard ids must be unique`]);
  });

  it('reports a missing folder as a problem instead of throwing', async () => {
    const { dashboards, problems } = await loadDashboardDir(join(dir, 'missing'), ctx);
    expect(dashboards).to.deep.equal([]);
    expect(problems[0]?.message).to.include('cannot read the dashboards folder');
  });

  it('loads one file', async () => {
    await writeFile(join(dir, 'shop.yaml'), GOOD);
    const d = await loadDashboardFile(join(dir, 'shop.yaml'), ctx);
    expect(d.file).to.equal(join(dir, 'shop.yaml'));
    expect(d.widgets).to.have.length(3);
  });
});
