import { expect } from 'chai';
import type { JobsWindow } from './jobs-child.js';
import { jobsReport, perRun, readJobsSettings } from './jobs-suite.js';

const window = (dashboards: number, cpuMs: number): JobsWindow => ({
  dashboards, jobs: dashboards * 10, runs: dashboards * 100, updates: dashboards * 100, cpuMicros: cpuMs * 1000, wallMs: 10_000, idleMicrosPerSecond: 1000, skipped: 0, failures: 0, backToBack: { runs: 1000, cpuMicros: 10_000 },
});

describe('jobs bench suite', () => {
  it('reads its knobs and names the variable that is wrong', () => {
    expect(readJobsSettings({}).dashboards).to.deep.equal([1, 5, 20]);
    expect(readJobsSettings({ BENCH_JOBS_DASHBOARDS: '2, 4' }).dashboards).to.deep.equal([2, 4]);
    expect(() => readJobsSettings({ BENCH_JOBS_EVERY_MS: '50' })).to.throw(/BENCH_JOBS_EVERY_MS/);
  });

  it('gives CPU per run with and without the idle process, and says whether the goal is met at the largest size', () => {
    expect(perRun(window(20, 60))).to.deep.equal({ gross: 0.03, net: 0.025 });
    const met = jobsReport([window(1, 10), window(20, 60), window(20, 70), window(20, 90)]);
    expect(met.join('\n')).to.include('CPU per job run <= 0.04 ms at 200 jobs: MET (median 0.0350 ms');
    expect(met.join('\n')).to.include('20 dashboards against 1');
    expect(jobsReport([window(20, 100)]).join('\n')).to.include('NOT MET (median 0.0500 ms');
  });
});
