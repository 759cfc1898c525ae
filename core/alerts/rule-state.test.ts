import { expect } from 'chai';
import { initialAlertState, nextChangeAt, seriesKeyOf, step, type AlertState, type StepInput, type StepRule, type Transition } from './rule-state.js';

const S = 1000;
const base: StepRule = { name: 'cpu-high', dashboard: 'ops', forMs: 0, keepFiringForMs: 0, repeatMs: 0, nodata: 'nodata', error: 'error' };
const rule = (over: Partial<StepRule> = {}): StepRule => ({ ...base, ...over });
const yes: StepInput = { kind: 'value', holds: true, values: { 'last()': 95 } };
const no: StepInput = { kind: 'value', holds: false, values: { 'last()': 50 } };
const none: StepInput = { kind: 'value', holds: null, values: { 'last()': null } };
const fail: StepInput = { kind: 'error', message: 'connection refused' };

/** Runs inputs one per `everyMs` from t=0; returns every state and every transition. */
function run(r: StepRule, inputs: StepInput[], everyMs = 10 * S, start: AlertState = initialAlertState({}, 0)): { states: AlertState[]; transitions: Transition[] } {
  let state = start;
  const states: AlertState[] = [];
  const transitions: Transition[] = [];
  inputs.forEach((input, i) => {
    const out = step(state, input, i * everyMs, r);
    state = out.state;
    states.push(state);
    transitions.push(...out.transitions);
  });
  return { states, transitions };
}
const kinds = (ts: Transition[]): string[] => ts.map((t) => `${t.kind}@${t.at / S}`);

describe('alert state machine', () => {
  it('fires at once with for 0, and exactly once while the condition holds', () => {
    const { states, transitions } = run(rule(), [yes, yes, yes]);
    expect(kinds(transitions)).to.deep.equal(['firing@0']);
    expect(states[2]).to.include({ state: 'firing', since: 0, firingSince: 0, lastNotifiedAt: 0, repeats: 0, value: 95 });
  });

  it('is pending until the condition has held for `for`, then fires exactly once', () => {
    const { states, transitions } = run(rule({ forMs: 30 * S }), [yes, yes, yes, yes, yes, yes]);
    expect(states.map((s) => s.state)).to.deep.equal(['pending', 'pending', 'pending', 'firing', 'firing', 'firing']);
    expect(states[1]?.pendingSince).to.equal(0);
    expect(kinds(transitions)).to.deep.equal(['firing@30']);
    expect(transitions[0]).to.include({ from: 'pending', to: 'firing', startsAt: 30 * S, repeat: 0, rule: 'cpu-high', dashboard: 'ops', seriesKey: '' });
  });

  it('never fires for a blip shorter than `for`, and a pending alert goes back to ok silently', () => {
    const { states, transitions } = run(rule({ forMs: 30 * S }), [yes, yes, yes, no, yes, yes, no, no]);
    expect(transitions).to.deep.equal([]);
    expect(states[3]).to.include({ state: 'ok', since: 30 * S });
    expect(states[3]?.pendingSince).to.equal(undefined);
    expect(states[5]).to.include({ state: 'pending', pendingSince: 40 * S });
  });

  it('resolves exactly once, then becomes ok on the next evaluation that does not fire', () => {
    const { states, transitions } = run(rule(), [yes, no, no, no]);
    expect(kinds(transitions)).to.deep.equal(['firing@0', 'resolved@10']);
    expect(transitions[1]).to.include({ from: 'firing', to: 'resolved', startsAt: 0 });
    expect(states.map((s) => s.state)).to.deep.equal(['firing', 'resolved', 'ok', 'ok']);
  });

  it('goes from resolved back to pending when the condition holds again', () => {
    const { states, transitions } = run(rule({ forMs: 20 * S }), [yes, yes, yes, no, yes, yes, yes]);
    expect(states.map((s) => s.state)).to.deep.equal(['pending', 'pending', 'firing', 'resolved', 'pending', 'pending', 'firing']);
    expect(kinds(transitions)).to.deep.equal(['firing@20', 'resolved@30', 'firing@60']);
  });

  it('does not storm when the value flaps around the threshold, given a clear condition (100 scripted values)', () => {
    // when: last() > 90, clear: last() < 80. The value climbs, flaps 88..92 for 90 evaluations, then drops.
    const values = [70, 85, 91, ...Array.from({ length: 90 }, (_, i) => (i % 2 === 0 ? 92 : 88)), 85, 82, 79, 78, 88, 92, 95];
    expect(values).to.have.length(100);
    const inputs = values.map((v): StepInput => ({ kind: 'value', holds: v > 90, clears: v < 80, values: { 'last()': v } }));
    const withClear = run(rule(), inputs);
    expect(kinds(withClear.transitions)).to.deep.equal(['firing@20', 'resolved@950', 'firing@980']);
    // Without one every crossing notifies: that is what `clear` is for.
    const without = run(rule(), inputs.map((i) => ({ ...i, clears: undefined })));
    expect(without.transitions.length).to.be.greaterThan(80);
  });

  it('stays firing while the condition holds even if the clear condition holds too, and while clear is unknown', () => {
    const both: StepInput = { kind: 'value', holds: true, clears: true, values: {} };
    const unknownClear: StepInput = { kind: 'value', holds: false, clears: null, values: {} };
    expect(kinds(run(rule(), [yes, both, unknownClear, unknownClear]).transitions)).to.deep.equal(['firing@0']);
  });

  it('keeps firing for keep_firing_for after it would first have resolved, restarting that wait if it fires again', () => {
    const { states, transitions } = run(rule({ keepFiringForMs: 30 * S }), [yes, no, no, yes, no, no, no, no, no]);
    expect(kinds(transitions)).to.deep.equal(['firing@0', 'resolved@70']);
    expect(states[2]).to.include({ state: 'firing', resolvingSince: 10 * S });
    expect(states[3]?.resolvingSince).to.equal(undefined);
  });

  it('repeats every repeat interval since the last notification, counting the repeats', () => {
    const { transitions } = run(rule({ repeatMs: 25 * S }), [yes, yes, yes, yes, yes, yes, yes, no]);
    expect(kinds(transitions)).to.deep.equal(['firing@0', 'repeat@30', 'repeat@60', 'resolved@70']);
    expect(transitions.map((t) => t.repeat)).to.deep.equal([0, 1, 2, 0]);
  });

  it('never repeats with repeat 0', () => {
    expect(run(rule(), Array.from({ length: 50 }, () => yes)).transitions).to.have.length(1);
  });

  describe('no data', () => {
    it('nodata: enters nodata at once and notifies it, then resolves when data is back and fine', () => {
      const { states, transitions } = run(rule({ forMs: 30 * S }), [none, none, no, no]);
      expect(states.map((s) => s.state)).to.deep.equal(['nodata', 'nodata', 'resolved', 'ok']);
      expect(kinds(transitions)).to.deep.equal(['nodata@0', 'resolved@20']);
      expect(transitions[0]).to.include({ from: 'ok', to: 'nodata', reason: 'no data', value: null });
    });

    it('nodata: a firing alert that loses its data moves to nodata with one notification, not a resolved', () => {
      const { transitions } = run(rule({ forMs: 20 * S }), [yes, yes, yes, none, yes, yes, yes]);
      expect(kinds(transitions)).to.deep.equal(['firing@20', 'nodata@30', 'firing@60']);
      // The episode goes on: startsAt stays the first firing.
      expect(transitions.map((t) => t.startsAt)).to.deep.equal([20 * S, 20 * S, 20 * S]);
    });

    it('alert: no data counts as the condition holding, with a reason', () => {
      const { states, transitions } = run(rule({ nodata: 'alert', forMs: 10 * S }), [none, none, none]);
      expect(states.map((s) => s.state)).to.deep.equal(['pending', 'firing', 'firing']);
      expect(transitions[0]).to.include({ kind: 'firing', reason: 'no data' });
    });

    it('ok: no data counts as fine, resolving a firing alert', () => {
      const { states, transitions } = run(rule({ nodata: 'ok' }), [yes, none, none]);
      expect(states.map((s) => s.state)).to.deep.equal(['firing', 'resolved', 'ok']);
      expect(kinds(transitions)).to.deep.equal(['firing@0', 'resolved@10']);
    });

    it('keep: no data changes nothing at all', () => {
      const { states, transitions } = run(rule({ nodata: 'keep', forMs: 20 * S, repeatMs: 5 * S }), [yes, none, none, none]);
      expect(transitions).to.deep.equal([]);
      for (const s of states) expect(s).to.deep.equal(states[0]);
    });
  });

  describe('evaluation errors', () => {
    it('error: enters error only after `for` of consecutive errors, never passing through ok', () => {
      const { states, transitions } = run(rule({ forMs: 30 * S }), [fail, fail, fail, fail, fail]);
      expect(states.map((s) => s.state)).to.deep.equal(['ok', 'ok', 'ok', 'error', 'error']);
      expect(states[2]).to.include({ errorSince: 0, reason: 'evaluation failed: connection refused' });
      expect(kinds(transitions)).to.deep.equal(['error@30']);
    });

    it('error: a firing alert stays firing through a short outage, without a resolved', () => {
      const { states, transitions } = run(rule({ forMs: 30 * S }), [yes, yes, yes, yes, fail, fail, yes, fail]);
      expect(states.slice(3).map((s) => s.state)).to.deep.equal(['firing', 'firing', 'firing', 'firing', 'firing']);
      expect(kinds(transitions)).to.deep.equal(['firing@30']);
      // A good evaluation breaks the run of errors.
      expect(states[7]?.errorSince).to.equal(70 * S);
    });

    it('error: with for 0 an error is notified at once, and resolved when evaluation succeeds', () => {
      const { states, transitions } = run(rule(), [fail, no, no]);
      expect(kinds(transitions)).to.deep.equal(['error@0', 'resolved@10']);
      expect(transitions[0]).to.include({ to: 'error', reason: 'evaluation failed: connection refused' });
      expect(states[2]?.state).to.equal('ok');
    });

    it('alert, ok, keep and nodata map an error like no data', () => {
      expect(run(rule({ error: 'alert' }), [fail]).states[0]?.state).to.equal('firing');
      expect(run(rule({ error: 'ok' }), [yes, fail]).states[1]?.state).to.equal('resolved');
      expect(run(rule({ error: 'keep' }), [yes, fail]).transitions).to.have.length(1);
      expect(kinds(run(rule({ error: 'nodata', forMs: 60 * S }), [fail]).transitions)).to.deep.equal(['nodata@0']);
    });

    it('a nodata or error alert whose data is back and holding fires only after `for`', () => {
      const { states, transitions } = run(rule({ forMs: 20 * S }), [fail, fail, fail, yes, yes, yes]);
      expect(states.map((s) => s.state)).to.deep.equal(['ok', 'ok', 'error', 'error', 'error', 'firing']);
      expect(kinds(transitions)).to.deep.equal(['error@20', 'firing@50']);
    });

    it('repeats nodata and error alerts like firing ones', () => {
      expect(kinds(run(rule({ repeatMs: 20 * S }), [none, none, none, none, none]).transitions)).to.deep.equal(['nodata@0', 'repeat@20', 'repeat@40']);
    });
  });

  it('keeps its state as plain JSON', () => {
    const { states } = run(rule({ forMs: 10 * S, repeatMs: 10 * S }), [yes, yes, yes, no]);
    for (const s of states) expect(JSON.parse(JSON.stringify(s))).to.deep.equal(s);
  });

  it('writes series keys as splitSeries does', () => {
    expect(seriesKeyOf({ host: 'web-1', region: 'eu' })).to.equal('host="web-1",region="eu"');
    expect(seriesKeyOf({})).to.equal('');
  });
});

describe('nextChangeAt', () => {
  it('is the earliest moment time alone changes an alert, and never one already past', () => {
    const pending = step(initialAlertState({}, 0), yes, 0, rule({ forMs: 60 * S })).state;
    expect(nextChangeAt([pending], rule({ forMs: 60 * S }), 0)).to.equal(60 * S);
    const firing = step(initialAlertState({}, 0), yes, 0, rule({ repeatMs: 600 * S })).state;
    expect(nextChangeAt([pending, firing], rule({ forMs: 60 * S, repeatMs: 600 * S }), 0)).to.equal(60 * S);
    // An alert in error keeps the time its errors began: that moment is past, and no reason to evaluate again at once.
    let failing = step(initialAlertState({}, 0), fail, 0, rule({ forMs: 10 * S })).state;
    failing = step(failing, fail, 20 * S, rule({ forMs: 10 * S })).state;
    expect(failing.state).to.equal('error');
    expect(nextChangeAt([failing], rule({ forMs: 10 * S }), 20 * S)).to.equal(undefined);
    // A pending alert whose `for` has passed but which cannot be judged yet (an offset window) waits for data, not a timer.
    expect(nextChangeAt([pending], rule({ forMs: 60 * S }), 61 * S)).to.equal(undefined);
  });
});
