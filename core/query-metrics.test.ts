import { expect } from 'chai';
import { Counter, Histogram, Registry } from 'prom-client';
import { QUERY_DURATION_BUCKETS, QueryMetrics } from './query-metrics.js';

describe('query metrics', () => {
  it('expose the same text as prom-client counters and histograms fed the same queries', async () => {
    const ours = new Registry();
    const metrics = new QueryMetrics([ours]);
    const theirs = new Registry();
    const counter = new Counter({ name: 'rtdash_queries_total', help: 'Data-source queries by source and outcome (ok, error, timeout, malformed)', labelNames: ['source', 'outcome'], registers: [theirs] });
    const histogram = new Histogram({ name: 'rtdash_query_duration_seconds', help: 'Data-source query duration', labelNames: ['source'], buckets: [...QUERY_DURATION_BUCKETS], registers: [theirs] });
    const queries: [string, string, number][] = [['pg', 'ok', 0.0004], ['pg', 'ok', 0.003], ['pg', 'timeout', 10.2], ['http', 'error', 0.25], ['pg', 'ok', 0.001], ['http', 'ok', 1]];
    const a = metrics.of('pg');
    for (const [source, outcome, seconds] of queries) {
      // The hot path (a job's kept figures) and the labelled one (query variables) count alike.
      if (source === 'pg') {
        a.done(outcome);
        a.observe(seconds);
      } else {
        metrics.inc({ source, outcome });
        metrics.observe({ source }, seconds);
      }
      counter.inc({ source, outcome });
      histogram.observe({ source }, seconds);
    }
    const sorted = (text: string) => text.split('\n').sort().join('\n');
    // Whether each source's last query answered: a family of ours alone.
    expect(await ours.getSingleMetricAsString('rtdash_datasource_up')).to.include('rtdash_datasource_up{source="pg"} 1').and.include('rtdash_datasource_up{source="http"} 1');
    a.done('timeout');
    expect(await ours.getSingleMetricAsString('rtdash_datasource_up')).to.include('rtdash_datasource_up{source="pg"} 0');
    a.done('ok');
    ours.removeSingleMetric('rtdash_datasource_up');
    counter.inc({ source: 'pg', outcome: 'timeout' });
    counter.inc({ source: 'pg', outcome: 'ok' });
    expect(sorted(await ours.metrics())).to.equal(sorted(await theirs.metrics()));
    expect(await ours.metrics()).to.include('rtdash_query_duration_seconds_bucket{le="0.001",source="pg"} 2');
    expect(await ours.metrics()).to.include('rtdash_queries_total{source="pg",outcome="ok"} 4');
  });

  it('refuses a duration that is not a number, as prom-client does', () => {
    expect(() => new QueryMetrics([new Registry()]).of('s').observe(Number.NaN)).to.throw(TypeError);
  });
});
