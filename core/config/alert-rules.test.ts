import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AlertRule } from '../alerts/rule.js';
import { definePlugin, type PluginDefinition } from '../plugin.js';
import { loadAlertDir, parseAlertFile } from './alert-files.js';
import { loadDashboardDir, parseDashboard, type DashboardContext } from './dashboard-config.js';
import { formatProblem } from './problem.js';
import { expectOneProblemIn, problemsFrom } from './testing.js';

/** A plugin whose queries are `{ sql: string }`. */
const fakeSql: PluginDefinition = definePlugin({
  type: 'fakesql',
  description: 'a pretend SQL source for tests',
  optionsSchema: { type: 'object' },
  querySchema: { type: 'object', required: ['sql'], additionalProperties: false, properties: { sql: { type: 'string', minLength: 1 } } },
  create: () => ({ query: async () => ({ fields: [] }), health: async () => ({ status: 'ok' as const }) }),
});

const ctx: DashboardContext = {
  sources: (name) => (name === 'shopdb' ? { type: 'fakesql', plugin: fakeSql } : name === 'metrics' ? { type: 'unchecked' } : undefined),
  sourceNames: () => ['shopdb', 'metrics'],
  notifierNames: () => ['ops-webhook', 'ops-email'],
};

const HEAD = `id: shop
title: Shop
variables:
  region: { type: select, options: [eu, us], default: eu }
widgets:
  - { id: error-rate-now, type: line, source: metrics, query: errors, x: t, y: [error_rate, p95] }
  - { id: free, type: stat, source: metrics, query: anything }
  - { id: notes, type: text, content: hello }
alerts:
`;
// Rules start at line 10 of a dashboard: HEAD is 9 lines.

function dashboardProblems(rules: string, file = 'shop.yaml'): string[] {
  return problemsFrom(() => parseDashboard(HEAD + rules, file, ctx));
}

function oneRule(rules: string): AlertRule {
  const d = parseDashboard(HEAD + rules, 'shop.yaml', ctx);
  expect(d.alerts).to.have.length(1);
  return d.alerts[0] as AlertRule;
}

describe('alert rules in a dashboard', () => {
  it('loads a widget rule with every key into an AlertRule', () => {
    const rule = oneRule(`  - name: error-rate-high
    widget: error-rate-now
    when: "avg(1m) > 2.5"
    clear: "avg(1m) < 2"
    for: 30s
    keep_firing_for: 1m
    repeat: 1h
    severity: critical
    labels: { team: shop, tier: 1 }
    summary: "Error rate {{ value }} % for {{ labels.team }}"
    description: longer
    by: [t]
    column: error_rate
    nodata: keep
    error: alert
    notify: [ops-webhook]
    vars: { region: us }
`);
    const { when, clear, ...rest } = rule;
    expect(when.source).to.equal('avg(1m) > 2.5');
    expect(clear?.calls.map((c) => c.key)).to.deep.equal(['avg(1m)']);
    expect(rest).to.deep.equal({
      name: 'error-rate-high',
      dashboard: 'shop',
      data: { kind: 'widget', dashboard: 'shop', widget: 'error-rate-now' },
      column: 'error_rate',
      by: ['t'],
      forMs: 30_000,
      keepFiringForMs: 60_000,
      repeatMs: 3_600_000,
      severity: 'critical',
      labels: { team: 'shop', tier: '1' },
      summary: 'Error rate {{ value }} % for {{ labels.team }}',
      description: 'longer',
      nodata: 'keep',
      error: 'alert',
      notify: ['ops-webhook'],
      vars: { region: 'us' },
      position: { file: 'shop.yaml', line: 10, col: 11 },
    });
  });

  it('fills in the defaults', () => {
    const rule = oneRule('  - { name: r, widget: free, when: "last() > 1" }\n');
    expect(rule).to.include({ forMs: 0, keepFiringForMs: 0, repeatMs: 0, severity: 'warning', summary: '{{ rule }}: {{ value }}', nodata: 'nodata', error: 'error' });
    expect(rule.by).to.deep.equal([]);
    expect(rule.notify).to.deep.equal([]);
    expect(rule.labels).to.deep.equal({});
    expect(rule.vars).to.deep.equal({ region: 'eu' });
  });

  it('loads a rule with a query of its own; it keeps its longest window plus one interval', () => {
    const rule = oneRule('  - { name: slow, source: shopdb, query: { sql: "select 1 where r = :region" }, every: 30s, when: "avg(10m) > 1", clear: "avg(1h offset 1d) < 1" }\n');
    expect(rule.data).to.deep.equal({ kind: 'query', source: 'shopdb', query: { sql: 'select 1 where r = :region' }, everyMs: 30_000, keepMs: 86_400_000 + 3_600_000 + 30_000 });
  });

  it('does not check columns of a widget that declares no y', () => {
    expect(oneRule('  - { name: r, widget: free, when: "avg(5m, anything) > 1", by: [host] }\n').by).to.deep.equal(['host']);
  });

  it('changes the dashboard version when a rule changes, not when it only moves', () => {
    const a = parseDashboard(HEAD + '  - { name: r, widget: free, when: "last() > 1" }\n', 'shop.yaml', ctx).version;
    const moved = parseDashboard(`# moved\n${HEAD}  - { name: r, widget: free, when: "last() > 1" }\n`, 'shop.yaml', ctx).version;
    const b = parseDashboard(HEAD + '  - { name: r, widget: free, when: "last() > 2" }\n', 'shop.yaml', ctx).version;
    expect(moved).to.equal(a);
    expect(b).to.not.equal(a);
  });

  describe('reports, at the key it is about', () => {
    const cases: [string, string, string][] = [
      ['unknown keys, with did-you-mean', '  - { name: r, widget: free, whn: "last() > 1" }\n', 'shop.yaml:10:30: unknown key "whn" in alert "r"; did you mean "when"?'],
      ['enum values', '  - { name: r, widget: free, when: "last() > 1", nodata: nope }\n', 'shop.yaml:10:58: "nodata" must be one of alert, ok, keep, nodata; got "nope"'],
      ['malformed durations', '  - { name: r, widget: free, when: "last() > 1", for: 5 minutes }\n', 'shop.yaml:10:55: "for" must be a duration such as 500ms, 5s, 1m or 1h30m, got the string "5 minutes"'],
      ['negative durations', '  - { name: r, widget: free, when: "last() > 1", repeat: -1m }\n', 'shop.yaml:10:58: "repeat" must not be negative, got -1m'],
      ['a bad name', '  - { name: Bad_Name, widget: free, when: "last() > 1" }\n', 'shop.yaml:10:13: "name" must be lowercase letters, digits and - only (like shop-overview), got the string "Bad_Name"'],
      ['an unknown widget, with did-you-mean', '  - { name: r, widget: error-rate, when: "last() > 1" }\n', 'shop.yaml:10:24: unknown widget "error-rate" in alert "r"; did you mean "error-rate-now"? (widgets of dashboard "shop": error-rate-now, free, notes)'],
      ['a text widget', '  - { name: r, widget: notes, when: "last() > 1" }\n', 'shop.yaml:10:24: alert "r" watches widget "notes", a text widget, which has no data to alert on; pick a widget with a source and a query'],
      ['an unknown notifier, with did-you-mean', '  - { name: r, widget: free, when: "last() > 1", notify: [ops-webhok] }\n', 'shop.yaml:10:59: unknown notifier "ops-webhok" in alert "r"; did you mean "ops-webhook"? (notifiers in config.yaml: ops-webhook, ops-email)'],
      ['both widget and source', '  - { name: r, widget: free, source: metrics, query: x, every: 5s, when: "last() > 1" }\n', 'shop.yaml:10:30: alert "r" sets both "widget" and "source"; watch a widget, or give the rule a query of its own with "source", "query" and "every"'],
      ['a source without every', '  - { name: r, source: metrics, query: x, when: "last() > 1" }\n', 'shop.yaml:10:16: "source" needs "every" as well in alert "r"'],
      ['neither widget nor source', '  - { name: r, when: "last() > 1" }\n', 'shop.yaml:10:5: alert "r" needs "widget" (a widget of this dashboard to watch) or "source" + "query" + "every" (a query of its own)'],
      ['an unknown source', '  - { name: r, source: shopbd, query: { sql: x }, every: 5s, when: "last() > 1" }\n', 'shop.yaml:10:24: unknown source "shopbd" in alert "r"; did you mean "shopdb"? (known sources: shopdb, metrics)'],
      ['a query its plugin refuses', '  - { name: r, source: shopdb, query: { sq: x }, every: 5s, when: "last() > 1" }\n', 'shop.yaml:10:41: unknown key "sq" in the query of alert "r"; did you mean "sql"?'],
      ['an undeclared variable in its query', '  - { name: r, source: metrics, query: "x = :regoin", every: 5s, when: "last() > 1" }\n', 'shop.yaml:10:45: the query of alert "r" uses :regoin, but no variable "regoin" is declared under "variables"; did you mean "region"?'],
      ['vars naming an undeclared variable', '  - { name: r, widget: free, when: "last() > 1", vars: { regoin: eu } }\n', 'shop.yaml:10:58: alert "r" sets variable "regoin" in "vars", but dashboard "shop" declares no variable "regoin"; did you mean "region"? (declared: region)'],
      ['vars with a value a viewer could not choose', '  - { name: r, widget: free, when: "last() > 1", vars: { region: mars } }\n', 'shop.yaml:10:66: variable "region" must be one of eu, us; got "mars" (in "vars" of alert "r")'],
      ['a "column" the widget does not have', '  - { name: r, widget: error-rate-now, when: "last() > 1", column: p96 }\n', 'shop.yaml:10:68: "column" "p96" of alert "r" is not a column of widget "error-rate-now" (its columns: t, error_rate, p95); did you mean "p95"?'],
      ['a "by" column the widget does not have', '  - { name: r, widget: error-rate-now, when: "last() > 1", by: [host] }\n', 'shop.yaml:10:65: "by" column "host" of alert "r" is not a column of widget "error-rate-now" (its columns: t, error_rate, p95)'],
      ['a misspelt template name', '  - { name: r, widget: free, when: "last() > 1", summary: "at {{ $valeu }}" }\n', 'shop.yaml:10:59: "summary" of alert "r": "{{ $valeu }}": unknown name "$valeu"; did you mean "$value"? (names: value, rule, dashboard, labels.NAME, values.CALL, or $value, $labels.NAME; functions: humanize, humanizePercentage, humanizeDuration)'],
      ['a label the rule never has, in its description', '  - { name: r, widget: free, when: "last() > 1", description: "on {{ $labels.instance }}" }\n', 'shop.yaml:10:63: "description" of alert "r": "{{ $labels.instance }}": the rule has no label "instance" (it has: none)'],
      ['a condition column the widget does not have, inside the expression', '  - { name: r, widget: error-rate-now, when: "avg(5m, p96) > 1" }\n', 'shop.yaml:10:55: column "p96" in "when" of alert "r" is not a column of widget "error-rate-now" (its columns: t, error_rate, p95); did you mean "p95"?'],
    ];
    for (const [what, rules, expected] of cases) it(what, () => expect(dashboardProblems(rules)).to.deep.equal([expected]));

    it('a "dashboard" key inside a dashboard', () => {
      expectOneProblemIn(dashboardProblems('  - { name: r, dashboard: shop, widget: free, when: "last() > 1" }\n'), 'shop.yaml:10:16', 'key "dashboard" is not allowed in alert "r"');
    });

    it('a name used twice in one dashboard', () => {
      const rules = '  - { name: r, widget: free, when: "last() > 1" }\n  - { name: r, widget: free, when: "last() > 2" }\n';
      expect(dashboardProblems(rules)).to.deep.equal(['shop.yaml:11:13: alert rule name "r" is used twice in this file (first at line 10); rule names must be unique']);
    });
  });

  describe('points a condition syntax error at the character inside the expression', () => {
    const message = '"when" of alert "r" does not parse: expected a number, a function such as avg(5m), or "(", found the end';
    it('in a double-quoted value', () => {
      expect(dashboardProblems('  - name: r\n    widget: free\n    when: "avg(1m) >"\n')).to.deep.equal([`shop.yaml:12:21: ${message}`]);
    });
    it('in a plain value', () => {
      expect(dashboardProblems('  - name: r\n    widget: free\n    when: avg(1m) >\n')).to.deep.equal([`shop.yaml:12:20: ${message}`]);
    });
    it("in a single-quoted value with '' inside", () => {
      expect(dashboardProblems("  - name: r\n    widget: free\n    when: 'avg(1m, ''e r'') > & 1'\n")).to.deep.equal(['shop.yaml:12:31: "when" of alert "r" does not parse: expected an operator, a number or a name, found "&" (write "and" / "or")']);
    });
    it('in a double-quoted value with an escape before it', () => {
      expect(dashboardProblems('  - name: r\n    widget: free\n    when: "avg(1m, \\"x\\") $ 1"\n')).to.deep.equal(['shop.yaml:12:27: "when" of alert "r" does not parse: expected an operator, a number or a name, found "$"']);
    });
    it('in a literal block, on its own line', () => {
      expect(dashboardProblems('  - name: r\n    widget: free\n    when: |\n      avg(1m) > 1 and\n      mx(5m) > 2\n')).to.deep.equal([
        'shop.yaml:14:7: "when" of alert "r" does not parse: unknown function "mx", did you mean "max"? (the functions are last, avg, min, max, sum, count, rate, change, pct_change)',
      ]);
    });
    it('in "clear" too', () => {
      expect(dashboardProblems('  - { name: r, widget: free, when: "last() > 1", clear: "last() << 1" }\n')).to.deep.equal(['shop.yaml:10:66: "clear" of alert "r" does not parse: expected a number, a function such as avg(5m), or "(", found "<"']);
    });
    it('and at the value, with the column in the message, where it cannot map exactly', () => {
      const folded = '  - name: r\n    widget: free\n    when: >\n      avg(1m) > 1\n\n      and mx(5m) > 2\n';
      expect(dashboardProblems(folded)[0]).to.match(/^shop\.yaml:12:11: "when" of alert "r" does not parse at column 17 of the condition: unknown function "mx"/);
    });
  });
});

describe('alert rules across files', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rtdash-alerts-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a name used in two dashboards fails the later file, naming both places', async () => {
    await writeFile(join(dir, 'a.yaml'), `${HEAD}  - { name: r, widget: free, when: "last() > 1" }\n`);
    await writeFile(join(dir, 'b.yaml'), `${HEAD.replace('id: shop', 'id: other')}  - { name: r, widget: free, when: "last() > 1" }\n`);
    const { dashboards, problems } = await loadDashboardDir(dir, ctx);
    expect(dashboards.map((d) => d.id)).to.deep.equal(['shop']);
    expect(problems.map(formatProblem)).to.deep.equal([
      `${join(dir, 'b.yaml')}:10:13: alert rule name "r" is already used at ${join(dir, 'a.yaml')}:10:13; rule names must be unique across dashboards and alert files`,
    ]);
  });

  describe('standalone files', () => {
    const shop = parseDashboard(`${HEAD}  - { name: in-shop, widget: free, when: "last() > 1" }\n`, 'shop.yaml', ctx);

    it('load rules on a dashboard widget and rules with their own query', () => {
      const rules = parseAlertFile(
        'alerts:\n  - { name: w, dashboard: shop, widget: error-rate-now, when: "avg(1m, p95) > 1", vars: { region: us } }\n  - { name: q, source: shopdb, query: { sql: x }, every: 1m, when: "max(5m) > 1" }\n',
        'ops.yaml',
        [shop],
        ctx,
      );
      expect(rules.map((r) => [r.name, r.dashboard, r.data, r.vars])).to.deep.equal([
        // A rule on a dashboard's widget belongs to that dashboard, wherever it is declared.
        ['w', 'shop', { kind: 'widget', dashboard: 'shop', widget: 'error-rate-now' }, { region: 'us' }],
        ['q', undefined, { kind: 'query', source: 'shopdb', query: { sql: 'x' }, everyMs: 60_000, keepMs: 360_000 }, {}],
      ]);
    });

    it('report an unknown dashboard, a widget without its dashboard, and vars on a rule with no variables', () => {
      const problems = problemsFrom(() =>
        parseAlertFile(
          'alerts:\n  - { name: a, dashboard: shpo, widget: free, when: "last() > 1" }\n  - { name: b, widget: free, when: "last() > 1" }\n  - { name: c, source: metrics, query: x, every: 5s, when: "last() > 1", vars: { region: eu } }\n',
          'ops.yaml',
          [shop],
          ctx,
        ),
      );
      expect(problems).to.deep.equal([
        'ops.yaml:2:27: unknown dashboard "shpo" in alert "a"; did you mean "shop"? (loaded dashboards: shop)',
        'ops.yaml:3:16: "widget" needs "dashboard" as well in alert "b"',
        'ops.yaml:4:82: alert "c" sets variable "region" in "vars", but a rule with a query of its own in an alert file has no variables',
      ]);
    });

    it('a name a dashboard or an earlier file uses fails the later file; a missing folder is fine', async () => {
      expect(await loadAlertDir(join(dir, 'missing'), [shop], ctx)).to.deep.equal({ rules: [], problems: [] });
      await writeFile(join(dir, 'a.yaml'), 'alerts:\n  - { name: x, source: metrics, query: q, every: 5s, when: "last() > 1" }\n');
      await writeFile(join(dir, 'b.yaml'), 'alerts:\n  - { name: y, source: metrics, query: q, every: 5s, when: "last() > 1" }\n  - { name: x, source: metrics, query: q, every: 5s, when: "last() > 1" }\n');
      await writeFile(join(dir, 'c.yaml'), 'alerts:\n  - { name: in-shop, source: metrics, query: q, every: 5s, when: "last() > 1" }\n');
      const { rules, problems } = await loadAlertDir(dir, [shop], ctx);
      expect(rules.map((r) => r.name)).to.deep.equal(['x']);
      expect(problems.map(formatProblem)).to.deep.equal([
        `${join(dir, 'b.yaml')}:3:13: alert rule name "x" is already used at ${join(dir, 'a.yaml')}:2:13; rule names must be unique across dashboards and alert files`,
        `${join(dir, 'c.yaml')}:2:13: alert rule name "in-shop" is already used at shop.yaml:10:13; rule names must be unique across dashboards and alert files`,
      ]);
    });
  });
});
