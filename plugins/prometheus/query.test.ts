/** How a prometheus query is asked and named, without a server: variables, the instant/range choice, the step grid, field names. */
import { expect } from 'chai';
import { fakeQueryContext } from '../conformance.js';
import { bindPromql, planQuery } from './query.js';
import { seriesFrame, seriesName } from './series-frame.js';

describe('prometheus query plan', () => {
  it('binds a variable as a PromQL string literal, whatever its text', () => {
    expect(bindPromql('up{job=:job}', { job: 'api' })).to.equal('up{job="api"}');
    expect(bindPromql('up{job=:job}', { job: '"} or vector(1) #' })).to.equal('up{job="\\"} or vector(1) #"}');
    expect(bindPromql('sum by (job) (rate(x{a=~:re}[5m:1m]))', { re: 'a|b' })).to.equal('sum by (job) (rate(x{a=~"a|b"}[5m:1m]))');
  });

  it('leaves colons of recording rules, subqueries, strings and comments alone', () => {
    expect(bindPromql('job:http_requests:rate5m{instance="host:http"} # see :docs', {})).to.equal('job:http_requests:rate5m{instance="host:http"} # see :docs');
  });

  it('refuses a variable inside quotes, and one that is not set', () => {
    expect(() => bindPromql('up{job=":job"}', { job: 'api' })).to.throw(/:job is inside quotes in ":job"; write the variable without quotes/);
    expect(() => bindPromql('up{job=:job}', {})).to.throw(/uses :job, and no variable "job" is set/);
  });

  it('on a dashboard with time, binds :bucket as a duration and :from, :to as Unix seconds', () => {
    const time = { fromMs: 1_700_000_000_000, toMs: 1_700_000_060_250, bucketSeconds: 60 };
    expect(bindPromql('sum(rate(x{job=:job}[:bucket])) @ :to - :from', { job: 'api' }, time)).to.equal('sum(rate(x{job="api"}[60s])) @ 1700000060.25 - 1700000000');
    expect(() => bindPromql('rate(x[:bucket])', {})).to.throw(/uses :bucket, and no variable "bucket" is set/);
  });

  it('asks an instant query at the run time by default, and a range query on a dashboard with time', () => {
    const range = { from: 1_000_000, to: 1_060_500 };
    expect(planQuery('up', fakeQueryContext({ range })).kind).to.deep.equal({ instant: true, time: 1_060_500 });
    expect(planQuery('up', fakeQueryContext({ range, bucketSeconds: 10 })).kind).to.deep.equal({ instant: false, start: 1_010_000, end: 1_060_000, stepSeconds: 10 });
    expect(planQuery({ promql: 'up', instant: true }, fakeQueryContext({ range, bucketSeconds: 10 })).kind.instant).to.equal(true);
  });

  it('takes the step from the interval without a bucket, and keeps the latest max_rows points', () => {
    const range = { from: 0, to: 100_000 };
    expect(planQuery({ promql: 'up', instant: false }, fakeQueryContext({ range, intervalMs: 5000 })).kind).to.deep.equal({ instant: false, start: 5000, end: 100_000, stepSeconds: 5 });
    const cut = planQuery({ promql: 'up', instant: false }, fakeQueryContext({ range, intervalMs: 1000, maxRows: 10 }));
    expect(cut.kind).to.deep.equal({ instant: false, start: 91_000, end: 100_000, stepSeconds: 1 });
    expect(cut.truncated).to.equal(true);
  });

  it('names series by their labels, or by the legend', () => {
    expect(seriesName({ __name__: 'up', job: 'b', instance: 'a' }, undefined)).to.equal('up{instance="a",job="b"}');
    expect(seriesName({ job: 'b' }, undefined)).to.equal('{job="b"}');
    expect(seriesName({}, undefined)).to.equal('value');
    expect(seriesName({ instance: 'a', job: 'b' }, '{{job}} on {{ instance }}')).to.equal('b on a');
  });

  it('lines a matrix up by time, with null where a series has no point, and refuses duplicate names', () => {
    const limits = { legend: '{{k}}', maxColumns: 10, source: 'prom', time: 0 };
    const frame = seriesFrame({ resultType: 'matrix', result: [{ metric: { k: 'b' }, values: [[2, '2'], [3, 'NaN']] }, { metric: { k: 'a' }, values: [[1, '1'], [2, '+Inf']] }] }, limits);
    expect(frame.fields).to.deep.equal([
      { name: 'time', type: 'time', values: [1000, 2000, 3000] },
      { name: 'a', type: 'number', values: [1, null, null] },
      { name: 'b', type: 'number', values: [null, 2, null] },
    ]);
    expect(() => seriesFrame({ resultType: 'vector', result: [{ metric: { k: 'a', x: '1' }, value: [1, '1'] }, { metric: { k: 'a', x: '2' }, value: [1, '2'] }] }, limits)).to.throw(/two series would both be the field "a"; use more labels in "legend"/);
  });
});
