import { expect } from 'chai';
import { RunGuard, RunSignal, shutdownGroup, withSignal } from './run-signal.js';
import { RtdashError } from './errors.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('run signals', () => {
  it('make the AbortSignal only when asked, aborted already when the run was cancelled before', () => {
    const run = new RunSignal();
    run.abort(new Error('late'));
    expect(run.signal.aborted).to.equal(true);
    expect((run.signal.reason as Error).message).to.equal('late');
    const other = new RunSignal();
    const signal = other.signal;
    expect(signal.aborted).to.equal(false);
    other.abort(new Error('now'));
    expect(signal.aborted).to.equal(true);
    expect(other.signal).to.equal(signal);
  });

  it("give a query context its run's signal as an own, enumerable property that a copy keeps, and nothing else of the run", () => {
    const first = new RunSignal();
    const second = new RunSignal();
    const a = withSignal({ maxRows: 5 }, first);
    const b = withSignal({ maxRows: 6 }, second);
    expect(Object.keys(a)).to.deep.equal(['maxRows', 'signal']);
    expect(Object.getOwnPropertySymbols({ ...a })).to.have.length(0);
    first.abort(new Error('timed out'));
    const copy = { ...a };
    expect(copy.signal.aborted).to.equal(true);
    expect((copy.signal.reason as Error).message).to.equal('timed out');
    expect(b.signal.aborted).to.equal(false);
    expect(b.signal).to.equal(second.signal);
  });

  it('reject a run one turn after its abort, so a plugin answering the abort at once is the one reported', async () => {
    const run = new RunSignal();
    const plugin = new Promise<never>((_, reject) => run.signal.addEventListener('abort', () => reject(new Error('pool: still waiting for a connection'))));
    const raced = run.race(plugin);
    run.abort(new Error('timed out'));
    const err = await raced.catch((e: unknown) => e as Error);
    expect(err.message).to.equal('pool: still waiting for a connection');
    const silent = new RunSignal();
    const ignored = silent.race(new Promise(() => undefined));
    silent.abort(new Error('timed out'));
    expect(((await ignored.catch((e: unknown) => e)) as Error).message).to.equal('timed out');
  });

  it('cancel the runs in flight at shutdown with RTDASH_SHUTTING_DOWN, and leave ended runs alone', async () => {
    const shutdown = new AbortController();
    const runs = shutdownGroup(shutdown.signal);
    expect(shutdownGroup(shutdown.signal)).to.equal(runs);
    const inflight = new RunSignal();
    const ended = new RunSignal();
    runs.add(inflight);
    runs.add(ended);
    runs.delete(ended);
    shutdown.abort();
    expect(inflight.aborted).to.equal(true);
    expect((inflight.signal.reason as RtdashError).code).to.equal('RTDASH_SHUTTING_DOWN');
    expect(ended.aborted).to.equal(false);
  });

  it('time out each run of a job on one re-armed timer, and not a run that ended', async () => {
    const guard = new RunGuard(new AbortController().signal, (ms) => new Error(`after ${ms} ms`));
    const first = guard.start(30);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(first.aborted).to.equal(true);
    expect((first.signal.reason as Error).message).to.equal('after 30 ms');
    guard.end(first);
    const second = guard.start(30);
    guard.end(second);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(second.aborted).to.equal(false);
    const third = guard.start(30);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(third.aborted).to.equal(true);
    guard.end(third);
    await turn();
  });
});
