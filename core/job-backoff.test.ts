import { expect } from 'chai';
import { Metrics } from './metrics.js';
import type { Dashboard, Widget } from './model.js';
import { silentLogger } from './logger.js';
import { Scheduler } from './scheduler.js';
import type { SourceInstance } from './registry.js';

const widget: Widget = {
  id: 'w', title: 'W', type: 'line', source: 's', query: 'q', schedule: { kind: 'every', ms: 100 },
  keep: { kind: 'points', count: 10 }, size: { w: 4, h: 3 }, variables: [], position: { file: 'x.yaml', line: 1, col: 1 },
};
const dashboard = { id: 'd', version: 'v', widgets: [widget], variables: [] } as unknown as Dashboard;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A source whose queries fail while `down` (or always, when `badQuery`), and whose health says `down`. */
function switchable(state: { down: boolean; badQuery?: boolean }): { instance: SourceInstance; calls: number[] } {
  const calls: number[] = [];
  const instance = {
    config: { name: 's', type: 't', options: {} },
    plugin: {},
    source: {
      query: async (_q: unknown, ctx: { range: { to: number } }) => {
        calls.push(Date.now());
        if (state.down || state.badQuery) throw new Error(state.down ? 'connection refused' : 'syntax error');
        return { fields: [{ name: 'time', type: 'time', values: [ctx.range.to] }] };
      },
      health: async () => ({ status: state.down ? 'down' : 'ok' }),
    },
    close: async () => undefined,
  } as unknown as SourceInstance;
  return { instance, calls };
}

function scheduler(instance: SourceInstance): Scheduler {
  return new Scheduler({ source: () => instance, metrics: new Metrics({ viewers: () => 0, connections: () => 0, jobs: () => 0 }), logger: silentLogger() });
}

describe('Job back-off', function () {
  this.timeout(15_000);

  it('runs again soon after a source that was down passes its health check, not when the back-off ends', async () => {
    const state = { down: true };
    const { instance } = switchable(state);
    const s = scheduler(instance);
    const job = s.acquire(dashboard, widget, {}, () => undefined);
    try {
      // Failures at about 0, 0.1, 0.3, 0.7, 1.5 and 3.1 s: the next attempt would be 3.2 s later.
      await sleep(3500);
      expect(job.failures).to.be.at.least(5);
      state.down = false;
      const back = Date.now();
      while (job.failures > 0 && Date.now() - back < 3000) await sleep(20);
      expect(job.failures).to.equal(0);
      expect(Date.now() - back).to.be.below(1600); // one probe a second per source, on the job's next tick
    } finally {
      await s.stop();
    }
  });

  it('keeps backing off a query that fails on a healthy source', async () => {
    const { instance, calls } = switchable({ down: false, badQuery: true });
    const s = scheduler(instance);
    s.acquire(dashboard, widget, {}, () => undefined);
    try {
      await sleep(1600);
      // 0, 0.1, 0.3, 0.7, 1.5 s; a probe that ended the back-off on every healthy answer would make ~16.
      expect(calls.length).to.be.within(4, 6);
    } finally {
      await s.stop();
    }
  });
});
