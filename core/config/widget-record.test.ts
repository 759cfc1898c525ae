import { expect } from 'chai';
import { parseDashboard, type DashboardContext } from './dashboard-config.js';
import { expectOneProblemIn, problemsFrom } from './testing.js';
import { parseServerConfig } from './server-config.js';

const ctx: DashboardContext = { sources: (name) => (name === 'db' ? { type: 'unchecked' } : undefined), sourceNames: () => ['db'] };
const parse = (text: string) => parseDashboard(text, 'ops.yaml', ctx);
const problemsOf = (text: string): string[] => problemsFrom(() => parse(text));

describe('widget record:', () => {
  it('reads record as a duration on charts, stats and gauges', () => {
    const d = parse(`id: ops\ntitle: Ops\nwidgets:\n  - { id: a, type: line, source: db, query: q, record: 24h }\n  - { id: b, type: stat, source: db, query: q }\n`);
    expect(d.widgets[0]!.recordMs).to.equal(86_400_000);
    expect(d.widgets[1]!.recordMs).to.equal(undefined);
  });

  it('refuses record on a table, on a query with variables and on a query that takes the range, saying why', () => {
    expectOneProblemIn(problemsOf(`id: ops\ntitle: Ops\nwidgets:\n  - id: a\n    type: table\n    source: db\n    query: q\n    record: 1h\n`), 'ops.yaml:8:5', 'widget "a" cannot "record"', 'a table widget has no points over time');
    expectOneProblemIn(
      problemsOf(`id: ops\ntitle: Ops\nvariables:\n  host: { type: select, options: [a, b] }\nwidgets:\n  - id: a\n    type: line\n    source: db\n    query: SELECT t, v FROM m WHERE host = :host\n    record: 1h\n`),
      'ops.yaml:10:5',
      'uses :host, and a recorded widget runs with nobody watching',
    );
    expectOneProblemIn(
      problemsOf(`id: ops\ntitle: Ops\ntime: {}\nwidgets:\n  - id: a\n    type: line\n    source: db\n    query: SELECT t, v FROM m WHERE t >= :from\n    record: 1h\n`),
      'ops.yaml:9:5',
      'its source answers any range itself',
    );
    expectOneProblemIn(problemsOf(`id: ops\ntitle: Ops\nwidgets:\n  - id: a\n    type: line\n    source: db\n    query: q\n    record: 500ms\n`), 'ops.yaml:8:13', '"record" must be at least 1000ms');
  });

  it("gives the widgets that can be recorded their source's record, unless they say record: false", () => {
    const recording: DashboardContext = { sources: (name) => (name === 'db' ? { type: 'unchecked', recordMs: 3_600_000 } : undefined), sourceNames: () => ['db'] };
    const d = parseDashboard(
      `id: ops\ntitle: Ops\nvariables:\n  host: { type: select, options: [a, b] }\nwidgets:\n` +
        `  - { id: a, type: line, source: db, query: q }\n` +
        `  - { id: b, type: table, source: db, query: q }\n` +
        `  - { id: c, type: line, source: db, query: "q :host" }\n` +
        `  - { id: d, type: stat, source: db, query: q, record: false }\n` +
        `  - { id: e, type: gauge, source: db, query: q, record: 2h }\n`,
      'ops.yaml',
      recording,
    );
    expect(d.widgets.map((w) => w.recordMs)).to.deep.equal([3_600_000, undefined, undefined, undefined, 7_200_000]);
  });
});

describe('config: record', () => {
  it('reads storage.record_max_mb as bytes and a source record as its widgets default, outside the plugin options', () => {
    const config = parseServerConfig('datasources:\n  box: { type: system, record: 6h }\nstorage:\n  record_max_mb: 8\n', 'config.yaml', {});
    expect(config.storage.recordMaxBytes).to.equal(8 * 1024 * 1024);
    expect(config.datasources[0]).to.include({ recordMs: 6 * 3_600_000 });
    expect(config.datasources[0]!.options).to.deep.equal({});
    expect(parseServerConfig('log: { level: info }\n', 'config.yaml', {}).storage).to.not.have.property('recordMaxBytes');
  });

  it('refuses a record_max_mb that is not a positive number, naming where', () => {
    const problems = problemsFrom(() => parseServerConfig('storage:\n  record_max_mb: 0\n', 'config.yaml', {}));
    expect(problems.join('\n')).to.match(/^config\.yaml:2:\d+: .*record_max_mb/m);
  });
});
