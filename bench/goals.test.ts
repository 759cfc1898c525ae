/**
 * The fan-out report's verdicts: the goals against socket.io judged on the medians of interleaved
 * runs, and the settings that pick the implementations, the runs and the scale steps.
 */
import { expect } from 'chai';
import { goalLines } from './goals.js';
import type { Measurement } from './measure.js';
import { DEFAULT_SCENARIO } from './scenario.js';
import { readSettings, type Impl } from './settings.js';
import { scaleGoalLines, scaleSteps } from './scale-suite.js';
import { Histogram } from './stats.js';
import { groups, summaryTable } from './summary.js';

/** A 10 s window in which every viewer got all 10 updates a second, with `latencyMs` for each and the server using `cpuMs`. */
function run(impl: Impl, viewers: number, runNo: number, latencyMs: number, cpuMs: number, rssKiB: number): Measurement {
  const deliveries = viewers * 10 * 10;
  const latency = new Histogram();
  latency.addPairs([[latencyMs, deliveries]]);
  return {
    impl,
    viewers,
    scenario: DEFAULT_SCENARIO,
    run: runNo,
    split: [viewers],
    subscribed: viewers,
    failedToSubscribe: 0,
    connectMs: 100,
    rssBefore: 50 * 2 ** 20,
    rssAfter: 50 * 2 ** 20 + rssKiB * 1024 * viewers,
    serverWallMs: 10_000,
    serverCpuMicros: cpuMs * 1000,
    fanoutMs: [],
    windows: [{ deliveries, messages: deliveries, resumed: 0, other: 0, wallMs: 10_000, cpuMicros: 0, latency: latency.toPairs(), closes: {}, errors: 0, scanMismatches: 0 }],
    latency,
    killed: [],
  };
}

describe('bench: the fan-out goals against socket.io', () => {
  it('judges each goal on the median of the runs and says which sizes were not measured', () => {
    const results = [
      // rtdash at 1,000: latencies 8, 30, 9 ms (median 9); CPU 100, 400, 120 ms (median 120); 8 KiB/conn.
      run('rtdash', 1000, 1, 8, 100, 8),
      run('socketio', 1000, 1, 10, 1000, 40),
      run('rtdash', 1000, 2, 30, 400, 8),
      run('socketio', 1000, 2, 10, 1000, 40),
      run('rtdash', 1000, 3, 9, 120, 8),
      run('socketio', 1000, 3, 10, 1000, 40),
    ];
    const lines = goalLines(groups(results));
    expect(lines[0]).to.equal('  (medians of 3 interleaved runs; min/median/max in brackets)');
    expect(lines).to.include('  rtdash p50 <= 5 ms at 100 viewers: not measured (no rtdash run at 100; BENCH_VIEWERS, BENCH_IMPLS)');
    expect(lines).to.include('  rtdash p50 and p99 no worse than socket.io at 1000: MET (p50 9 [8/9/30] vs 10 [10/10/10] ms, p99 9 [8/9/30] vs 10 [10/10/10] ms)');
    expect(lines).to.include('  rtdash server CPU per widget update <= 0.5x socket.io at 1000: MET (ratio 0.120; per scheduled update 0.120: MET)');
    expect(lines).to.include('  rtdash push p99 <= 50 ms at 1000 viewers: MET (p99 9 [8/9/30] ms)');
    expect(lines).to.include('  rtdash memory <= 11 KiB/conn at 1000: MET (KiB/conn: rtdash 8.0 [8.0/8.0/8.0], socketio 40.0 [40.0/40.0/40.0])');
    expect(lines.filter((l) => l.includes('at 2000'))).to.have.length(2);
    expect(lines.filter((l) => l.includes('at 2000')).every((l) => l.includes('not measured'))).to.equal(true);
    expect(summaryTable(groups(results))).to.match(/rtdash\s+1000\s+3\s+0\.00100\/0\.00120\/0\.00400\s+8\/9\/30/);
  });

  it('says NOT MET when rtdash is slower than socket.io or uses more than half its CPU', () => {
    const lines = goalLines(groups([run('rtdash', 2000, 1, 40, 600, 12), run('socketio', 2000, 1, 20, 1000, 40)]));
    expect(lines).to.include('  rtdash p50 and p99 no worse than socket.io at 2000: NOT MET (p50 40 vs 20 ms, p99 40 vs 20 ms)');
    expect(lines).to.include('  rtdash server CPU per widget update <= 0.5x socket.io at 2000: NOT MET (ratio 0.600; per scheduled update 0.600: NOT MET)');
    expect(lines).to.include('  rtdash memory <= 11 KiB/conn at 2000: NOT MET (KiB/conn: rtdash 12.0, socketio 40.0)');
  });
});

describe('bench: the fan-out settings', () => {
  it('runs rtdash, socketio and naive at 100 to 10,000 viewers once by default, and the scale steps', () => {
    const settings = readSettings({});
    expect(settings.impls).to.deep.equal(['rtdash', 'socketio', 'naive']);
    expect(settings.viewers).to.deep.equal([100, 1000, 2000, 5000, 10000]);
    expect(settings.runs).to.equal(1);
    expect(settings.suites.slice(0, 2)).to.deep.equal(['fanout', 'scale']);
    expect(scaleSteps(settings)).to.deep.equal([
      { sweep: 'widgets', scenario: { widgets: 10, dashboards: 1 }, viewers: 100 },
      { sweep: 'widgets', scenario: { widgets: 50, dashboards: 1 }, viewers: 100 },
      { sweep: 'widgets', scenario: { widgets: 200, dashboards: 1 }, viewers: 100 },
      { sweep: 'dashboards', scenario: { widgets: 10, dashboards: 1 }, viewers: 1000 },
      { sweep: 'dashboards', scenario: { widgets: 10, dashboards: 20 }, viewers: 1000 },
    ]);
  });

  it('names the variable when a value is wrong', () => {
    expect(() => readSettings({ BENCH_IMPLS: 'rtdash,express' })).to.throw('BENCH_IMPLS: unknown implementation "express"; expected one of rtdash, socketio, naive');
    expect(() => readSettings({ BENCH_RUNS: '0' })).to.throw(/BENCH_RUNS/);
    expect(() => readSettings({ BENCH_SCALE_IMPLS: 'socket.io' })).to.throw(/BENCH_SCALE_IMPLS/);
    expect(readSettings({ BENCH_RUNS: '3', BENCH_SCALE_DASHBOARDS: '1,5,20' }).scale.dashboards).to.deep.equal([1, 5, 20]);
  });
});

describe('bench: the scale goals', () => {
  const at = (m: Measurement, widgets: number, dashboards: number): Measurement => ({ ...m, scenario: { widgets, dashboards } });
  it('compares rtdash with socket.io at the most widgets, and its own CPU with the most dashboards against one', () => {
    const settings = readSettings({});
    const steps = scaleSteps(settings);
    const results = [
      at(run('rtdash', 100, 1, 5, 300, 8), 200, 1),
      at(run('socketio', 100, 1, 5, 1300, 40), 200, 1),
      at(run('rtdash', 1000, 1, 5, 100, 8), 10, 1),
      at(run('rtdash', 1000, 1, 5, 150, 8), 10, 20),
    ];
    const lines = scaleGoalLines(steps, groups(results));
    expect(lines).to.deep.equal([
      "  rtdash server CPU with 200 widgets at 100 viewers <= socket.io's: MET (30 vs 130 ms/s)",
      '  rtdash server CPU with 20 dashboards <= 1.3x with 1, 1000 viewers: NOT MET (x1.50)',
    ]);
    expect(scaleGoalLines(steps, groups(results.slice(2)))[0]).to.match(/not measured/);
  });
});
