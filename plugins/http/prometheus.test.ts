import { expect } from 'chai';
import { parsePromValue, parsePrometheusText, type PromSample } from './prometheus.js';
import { seriesFrame } from './prometheus-frame.js';

const EXPOSITION = [
  '# HELP rtdash_queries_total Data-source queries by "source" and outcome\\nsecond line \\\\ done',
  '# TYPE rtdash_queries_total counter',
  'rtdash_queries_total{source="demo",outcome="ok"} 12',
  'rtdash_queries_total{source="demo",outcome="error"} 3 1718193600000',
  '  rtdash_queries_total{ source = "sys\\"tem" , outcome="ok", } 7',
  '# a free comment, ignored',
  '',
  'rtdash_viewers 4',
  'odd_values{kind="nan"} NaN',
  'odd_values{kind="inf"} +Inf',
  'odd_values{kind="-inf"} -Inf',
  'odd_values{kind="exp"} 1.5e-3',
  'escaped{path="C:\\\\temp\\nnext"} -2',
  'empty_braces{} 1\r',
  'tabbed\t5\t1700000000000',
].join('\n');

function sample(name: string, labels: Record<string, string>, value: number, timestampMs?: number): PromSample {
  return { name, labels: new Map(Object.entries(labels)), value, timestampMs };
}

describe('prometheus text parser', () => {
  it('reads samples, labels, escapes, special values and timestamps', () => {
    const { samples } = parsePrometheusText(EXPOSITION);
    expect(samples.map((s) => ({ ...s, value: Number.isNaN(s.value) ? 'NaN' : s.value }))).to.deep.equal(
      [
        sample('rtdash_queries_total', { source: 'demo', outcome: 'ok' }, 12),
        sample('rtdash_queries_total', { source: 'demo', outcome: 'error' }, 3, 1718193600000),
        sample('rtdash_queries_total', { source: 'sys"tem', outcome: 'ok' }, 7),
        sample('rtdash_viewers', {}, 4),
        sample('odd_values', { kind: 'nan' }, Number.NaN),
        sample('odd_values', { kind: 'inf' }, Number.POSITIVE_INFINITY),
        sample('odd_values', { kind: '-inf' }, Number.NEGATIVE_INFINITY),
        sample('odd_values', { kind: 'exp' }, 0.0015),
        sample('escaped', { path: 'C:\\temp\nnext' }, -2),
        sample('empty_braces', {}, 1),
        sample('tabbed', {}, 5, 1700000000000),
      ].map((s) => ({ ...s, value: Number.isNaN(s.value) ? 'NaN' : s.value })),
    );
  });

  it('reads HELP (with its escapes) and TYPE', () => {
    const { metadata } = parsePrometheusText(EXPOSITION);
    expect(metadata.get('rtdash_queries_total')).to.deep.equal({
      help: 'Data-source queries by "source" and outcome\nsecond line \\ done',
      type: 'counter',
    });
  });

  it('reads OpenMetrics: timestamps in seconds, exemplars and # EOF', () => {
    const text = '# TYPE rpc_seconds histogram\nrpc_seconds_bucket{le="0.5"} 3 1718193600.25 # {trace_id="abc"} 0.4\n# EOF\n';
    const { samples } = parsePrometheusText(text, { timestampsInSeconds: true });
    expect(samples).to.deep.equal([sample('rpc_seconds_bucket', { le: '0.5' }, 3, 1718193600250)]);
  });

  it('skips a malformed line, names it and what it expected, and keeps the rest', () => {
    const cases: [string, RegExp][] = [
      ['bad{a="1" 2', /line 2: expected "," or "}" after the value of label a/],
      ['x{a="unterminated} 1', /line 2: the value of label a has no closing quote/],
      ['x{a=1} 1', /line 2: expected a quoted value for label a/],
      ['x{a="1",a="2"} 1', /line 2: label a appears twice/],
      ['x one', /line 2: "one" is not a number/],
      ['x 1 soon', /line 2: "soon" is not a timestamp/],
      ['x 1 2 3', /line 2: expected the end of the line/],
      ['x', /line 2: expected a space and a value after x/],
      ['{a="1"} 1', /line 2: expected a metric name/],
      ['# TYPE', /line 2: expected a metric name after TYPE/],
      ['# HELP', /line 2: expected a metric name after HELP/],
    ];
    for (const [bad, message] of cases) {
      const parsed = parsePrometheusText(`before 1\n${bad}\nafter{a="b"} 2\n`);
      expect(parsed.problems, bad).to.have.length(1);
      expect(parsed.problems[0], bad).to.match(message);
      expect(parsed.samples.map((s) => [s.name, s.value]), bad).to.deep.equal([['before', 1], ['after', 2]]);
    }
  });

  it('reads the edge cases of the Prometheus project\'s own exposition test data', () => {
    // From prometheus/common expfmt's text parser tests: blanks inside braces, a trailing comma, no blank before the value.
    const { samples, problems } = parsePrometheusText('name2{ labelname = "val1" , }-Inf\nname{labelname="val2",basename="basevalue"} 0.23 1234567890\n');
    expect(problems).to.deep.equal([]);
    expect(samples[0]!.labels.get('labelname')).to.equal('val1');
    expect(samples[0]!.value).to.equal(-Infinity);
    expect(samples[1]!.timestampMs).to.equal(1234567890);
  });

  it('reads values the way Prometheus writes them, and nothing else', () => {
    expect(parsePromValue('+Inf')).to.equal(Infinity);
    expect(parsePromValue('-inf')).to.equal(-Infinity);
    expect(parsePromValue('NaN')).to.be.NaN;
    expect(parsePromValue('-0.5')).to.equal(-0.5);
    expect(parsePromValue('.5e2')).to.equal(50);
    for (const bad of ['', '1,5', '0x10', 'Infinity', '1e', 'abc']) expect(parsePromValue(bad), bad).to.equal(undefined);
  });
});

describe('prometheus series into frames', () => {
  const { samples } = parsePrometheusText(EXPOSITION);
  const NOW = 1_718_193_600_000;

  it('gives time and one field per matching series, named by the labels the selector left open', () => {
    const frame = seriesFrame(samples, [{ metric: 'rtdash_queries_total', labels: { outcome: 'ok' }, name: 'queries' }], {}, NOW, 100, 'prom');
    expect(frame).to.deep.equal({
      fields: [
        { name: 'time', type: 'time', values: [NOW] },
        { name: 'queries{source="demo"}', type: 'number', values: [12] },
        { name: 'queries{source="sys\\"tem"}', type: 'number', values: [7] },
      ],
    });
  });

  it('binds ":name" label values from the variables, and pins them out of the field name', () => {
    const frame = seriesFrame(
      samples,
      [
        { metric: 'rtdash_queries_total', labels: { source: ':source', outcome: 'ok' }, name: 'ok' },
        { metric: 'rtdash_queries_total', labels: { source: ':source', outcome: 'error' }, name: 'errors' },
        { metric: 'rtdash_viewers' },
      ],
      { source: 'demo' },
      NOW,
      100,
      'prom',
    );
    expect(frame.fields.map((f) => [f.name, f.values[0]])).to.deep.equal([
      ['time', NOW],
      ['ok', 12],
      ['errors', 3],
      ['rtdash_viewers', 4],
    ]);
    expect(() => seriesFrame(samples, [{ metric: 'x', labels: { a: ':missing' } }], {}, NOW, 100, 'prom')).to.throw(/variable "missing" is not set/);
  });

  it('keeps a field with null for a selector that matches nothing, and null for NaN and infinities', () => {
    const frame = seriesFrame(samples, [{ metric: 'absent_metric', name: 'absent' }, { metric: 'odd_values' }], {}, NOW, 100, 'prom');
    expect(frame.fields.map((f) => [f.name, f.values[0]])).to.deep.equal([
      ['time', NOW],
      ['absent', null],
      ['odd_values{kind="nan"}', null],
      ['odd_values{kind="inf"}', null],
      ['odd_values{kind="-inf"}', null],
      ['odd_values{kind="exp"}', 0.0015],
    ]);
  });

  it('refuses more series than max_columns allows, naming the cap', () => {
    expect(seriesFrame(samples, [{ metric: 'odd_values' }], {}, NOW, 5, 'prom').fields).to.have.length(5);
    expect(() => seriesFrame(samples, [{ metric: 'odd_values' }], {}, NOW, 4, 'prom'))
      .to.throw(/"prom" matched more series than fit in 4 columns .*max_columns \(4\)/)
      .with.property('code', 'RTDASH_FRAME_TOO_WIDE');
  });

  it('refuses two selectors that would make the same field', () => {
    expect(() => seriesFrame(samples, [{ metric: 'rtdash_viewers' }, { metric: 'rtdash_viewers' }], {}, NOW, 100, 'prom')).to.throw(/both be the field "rtdash_viewers"/);
    expect(() => seriesFrame(samples, [{ metric: 'rtdash_viewers', name: 'time' }], {}, NOW, 100, 'prom')).to.throw(/both be the field "time"/);
  });
});
