import { expect } from 'chai';
import { Metrics } from './metrics.js';
import type { Dashboard, Widget } from './model.js';
import { silentLogger } from './logger.js';
import { Scheduler } from './scheduler.js';
import { countingSource } from './test-support.js';

const widget: Widget = {
  id: 'w', title: 'W', type: 'line', source: 's', query: 'q', schedule: { kind: 'every', ms: 50 },
  keep: { kind: 'points', count: 10 }, size: { w: 4, h: 3 }, variables: [], position: { file: 'x.yaml', line: 1, col: 1 },
};
const dashboard = { id: 'd', version: 'v', widgets: [widget], variables: [] } as unknown as Dashboard;

describe('Scheduler', () => {
  it('ticks once per interval even when timers fire a little before Date.now() says they are due', async () => {
    const realNow = Date.now;
    const { instance, calls } = countingSource();
    const scheduler = new Scheduler({ source: () => instance, metrics: new Metrics({ viewers: () => 0, connections: () => 0, jobs: () => 0 }), logger: silentLogger() });
    // A wall clock that reads a little behind the timers (here: a coarse one) is what made a tick
    // compute the same due time again and fire twice.
    Date.now = () => Math.floor(realNow() / 20) * 20;
    try {
      scheduler.acquire(dashboard, widget, {}, () => undefined);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    } finally {
      Date.now = realNow;
      await scheduler.stop();
    }
    // 20 intervals of 50 ms plus the immediate first run; twice as many would mean double ticks.
    expect(calls()).to.be.within(18, 23);
  });

  it('stops a job at its first tick after the last listener left, clearing its timer', async () => {
    const { instance } = countingSource();
    const scheduler = new Scheduler({ source: () => instance, metrics: new Metrics({ viewers: () => 0, connections: () => 0, jobs: () => 0 }), logger: silentLogger() });
    const listener = () => undefined;
    const job = scheduler.acquire(dashboard, widget, {}, listener);
    expect(scheduler.size).to.equal(1);
    scheduler.release(job, listener);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(scheduler.size).to.equal(0);
    await scheduler.stop();
  });
});
