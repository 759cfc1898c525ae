import { expect } from 'chai';
import { Job } from './job.js';
import { silentLogger } from './logger.js';
import type { SourceInstance } from './registry.js';
import { countingSource, testMetrics, unitDashboard } from './test-support.js';
import type { UpdateEntry } from './widget-history.js';
import { until } from '../test/support/test-server.js';

const widget = unitDashboard(`id: d
title: D
widgets:
  - { id: w, title: W, type: line, source: s, query: q, every: 1s, timeout: 100ms }
`).widgets[0]!;

function jobOf(instance: SourceInstance, maxRows?: number): { job: Job; entries: UpdateEntry[] } {
  const source = maxRows === undefined ? instance : ({ ...instance, config: { ...instance.config, maxRows } } as SourceInstance);
  const job = new Job('d/w', widget, {}, 1000, { source, metrics: testMetrics(), logger: silentLogger(), shutdown: new AbortController().signal });
  const entries: UpdateEntry[] = [];
  job.listeners.add((entry) => entries.push(entry));
  return { job, entries };
}

describe('Job', () => {
  it('runs the query once per tick and hands each listener the update', async () => {
    const { instance, calls } = countingSource();
    const { job, entries } = jobOf(instance);
    job.tick();
    await job.inflight;
    expect(calls()).to.equal(1);
    expect(entries).to.have.length(1);
    expect(job.history.status).to.equal('ok');
  });

  it('skips a tick that finds the previous run still going', async () => {
    let release = () => undefined as void;
    const { instance, calls } = countingSource(() => new Promise((resolve) => (release = () => resolve({ fields: [] }))));
    const { job } = jobOf(instance);
    job.tick();
    job.tick();
    expect(job.skipped).to.equal(1);
    await until(() => calls() === 1, 2000, 'the first run to reach the source');
    release();
    await job.inflight;
  });

  it('cancels a run past its timeout and shows the error, then backs off instead of querying every tick', async () => {
    const { instance, calls } = countingSource(() => new Promise(() => undefined));
    const { job, entries } = jobOf(instance);
    job.tick();
    await job.inflight;
    expect(job.failures).to.equal(1);
    expect(job.history.status).to.equal('error');
    expect(entries.at(-1)!.body).to.include('RTDASH_QUERY_TIMEOUT');
    job.tick(); // within the back-off
    expect(calls()).to.equal(1);
  });

  it('cuts a result to the source max_rows and marks it truncated', async () => {
    const { instance } = countingSource(() => ({ fields: [{ name: 'time', type: 'time', values: [1, 2, 3, 4, 5] }] }));
    const { job, entries } = jobOf(instance, 3);
    job.tick();
    await until(() => entries.length === 1, 2000, 'the run');
    expect(entries[0]!.body).to.include('"meta":{"truncated":true}');
  });

  it('hands the plugin a signal that aborts at the time-out, also through a copy of the context', async () => {
    const seen: AbortSignal[] = [];
    const { instance } = countingSource();
    const slow = {
      ...instance,
      source: {
        ...instance.source,
        query: (_q: unknown, ctx: { signal: AbortSignal }) => {
          const copy = { ...ctx };
          seen.push(copy.signal);
          return new Promise((_, reject) => copy.signal.addEventListener('abort', () => reject(copy.signal.reason)));
        },
      },
    } as SourceInstance;
    const { job, entries } = jobOf(slow);
    job.tick();
    await job.inflight;
    expect(seen).to.have.length(1);
    expect(seen[0]!.aborted).to.equal(true);
    expect(entries.at(-1)!.body).to.include('RTDASH_QUERY_TIMEOUT');
  });
});
