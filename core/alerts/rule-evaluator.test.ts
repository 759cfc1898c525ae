import { expect } from 'chai';
import type { Frame } from '../frame.js';
import { parseCondition } from './condition.js';
import { defaultColumn, evaluateRule, transitionsToGroups, type RuleNotification } from './rule-evaluator.js';
import type { AlertState, Transition } from './rule-state.js';
import type { AlertRule } from './rule.js';

const S = 1000;
const T0 = Date.parse('2024-05-01T10:00:00Z');

function rule(over: Partial<AlertRule> = {}): AlertRule {
  return {
    name: 'cpu-high',
    dashboard: 'ops',
    data: { kind: 'widget', dashboard: 'ops', widget: 'cpu' },
    when: parseCondition('last() > 90'),
    by: [],
    forMs: 0,
    keepFiringForMs: 0,
    repeatMs: 0,
    severity: 'critical',
    labels: { team: 'infra' },
    summary: 'CPU {{ value }}% on {{ labels.host }} ({{ labels.team }})',
    nodata: 'nodata',
    error: 'error',
    notify: ['ops-webhook'],
    vars: {},
    position: { file: 'dashboards/ops.yaml', line: 1, col: 1 },
    ...over,
  };
}

/** A frame of one row per host at `at`. */
function hosts(at: number, values: Record<string, number>): Frame {
  const names = Object.keys(values);
  return {
    fields: [
      { name: 'time', type: 'time', values: names.map(() => at) },
      { name: 'host', type: 'string', values: names },
      { name: 'cpu', type: 'number', values: names.map((h) => values[h] as number) },
    ],
  };
}

describe('evaluateRule: last() without a window reads the latest delivery', () => {
  const history: Frame = { fields: [{ name: 't', type: 'time', values: [T0 - 2 * S, T0 - S] }, { name: 'cpu', type: 'number', values: [95, 96] }] };
  const empty: Frame = { fields: [{ name: 't', type: 'time', values: [] }, { name: 'cpu', type: 'number', values: [] }] };

  it('goes to nodata when the latest delivery has no rows, however much history answers', () => {
    const { alerts, transitions } = evaluateRule(rule({ labels: {} }), history, T0, new Map(), { latest: empty });
    expect(alerts.get('')).to.include({ state: 'nodata', reason: 'no data' });
    expect(transitions.map((t) => t.kind)).to.deep.equal(['nodata']);
    // Without the latest delivery (or with a window) the history answers, as before.
    expect(evaluateRule(rule(), history, T0, new Map()).alerts.get('')?.state).to.equal('firing');
    expect(evaluateRule(rule({ when: parseCondition('last(1m) > 90') }), history, T0, new Map(), { latest: empty }).alerts.get('')?.state).to.equal('firing');
  });

  it('with `by`, makes a series missing from the latest delivery no data', () => {
    const both = hosts(T0 - S, { a: 95, b: 95 });
    const { alerts } = evaluateRule(rule({ by: ['host'], column: 'cpu' }), both, T0, new Map(), { latest: hosts(T0, { a: 97 }) });
    expect(alerts.get('host="a"')).to.include({ state: 'firing', value: 97 });
    expect(alerts.get('host="b"')?.state).to.equal('nodata');
  });
});

describe('evaluateRule: an offset window the data does not reach yet', () => {
  const MIN = 60_000;
  const compared = rule({ when: parseCondition('last() > 2 * avg(5m offset 1h)'), labels: {} });
  const frame = (at: number): Frame => ({ fields: [{ name: 't', type: 'time', values: [at - MIN, at] }, { name: 'cpu', type: 'number', values: [10, 30] }] });

  it('stays ok, saying why, instead of going to nodata after a start', () => {
    const { alerts, transitions } = evaluateRule(compared, frame(T0), T0, new Map(), { collectingSince: T0 - MIN });
    expect(transitions).to.deep.equal([]);
    expect(alerts.get('')?.state).to.equal('ok');
    expect(alerts.get('')?.reason).to.match(/^not judged yet: avg\(5m offset 1h\) reaches back before the data begins \(judged from about 2024-05-01T11:04:00.000Z\)$/);
  });

  it('keeps a pending or firing alert as it is until the window can be judged', () => {
    const pending: AlertState = { state: 'pending', since: T0 - S, pendingSince: T0 - S, repeats: 0, value: 30, values: {}, labels: {} };
    const next = evaluateRule({ ...compared, forMs: 60 * S }, frame(T0), T0, new Map([['', pending]]), { collectingSince: T0 - MIN });
    expect(next.alerts.get('')).to.include({ state: 'pending', pendingSince: T0 - S });
    const firing: AlertState = { state: 'firing', since: T0 - S, firingSince: T0 - S, lastNotifiedAt: T0 - S, repeats: 0, value: 30, values: {}, labels: {} };
    expect(evaluateRule(compared, frame(T0), T0, new Map([['', firing]]), { collectingSince: T0 - MIN }).transitions).to.deep.equal([]);
  });

  it('goes to nodata once the window should have been filled and is not', () => {
    const { alerts, transitions } = evaluateRule(compared, frame(T0), T0, new Map(), { collectingSince: T0 - 2 * 3_600_000 });
    expect(alerts.get('')?.state).to.equal('nodata');
    expect(transitions.map((t) => t.kind)).to.deep.equal(['nodata']);
  });
});

describe('evaluateRule', () => {
  it('evaluates a rule without `by` as one alert with key ""', () => {
    const frame: Frame = { fields: [{ name: 't', type: 'time', values: [T0] }, { name: 'cpu', type: 'number', values: [95] }] };
    const { alerts, transitions } = evaluateRule(rule(), frame, T0, new Map());
    expect([...alerts.keys()]).to.deep.equal(['']);
    expect(alerts.get('')).to.include({ state: 'firing', value: 95 });
    expect(transitions).to.have.length(1);
    expect(transitions[0]).to.include({ kind: 'firing', seriesKey: '', rule: 'cpu-high' });
  });

  it('reads rule.column, else the first number field that is not a label', () => {
    const frame: Frame = { fields: [{ name: 't', type: 'time', values: [] }, { name: 'port', type: 'number', values: [] }, { name: 'cpu', type: 'number', values: [] }] };
    expect(defaultColumn(rule({ column: 'cpu' }), frame)).to.equal('cpu');
    expect(defaultColumn(rule(), frame)).to.equal('port');
    expect(defaultColumn(rule({ by: ['port'] }), frame)).to.equal('cpu');
  });

  it('keeps one alert per series with `by`; a series that disappears counts as no data', () => {
    const r = rule({ by: ['host'], forMs: 10 * S });
    let previous = new Map<string, AlertState>();
    const all: Transition[] = [];
    const frames = [hosts(T0, { a: 95, b: 50 }), hosts(T0 + 10 * S, { a: 96, b: 97 }), hosts(T0 + 20 * S, { b: 98 }), hosts(T0 + 30 * S, { b: 50 })];
    frames.forEach((frame, i) => {
      const out = evaluateRule(r, frame, T0 + i * 10 * S, previous);
      previous = out.alerts;
      all.push(...out.transitions);
    });
    expect(all.map((t) => `${t.seriesKey} ${t.kind} ${(t.at - T0) / S}`)).to.deep.equal([
      'host="a" firing 10',
      'host="a" nodata 20',
      'host="b" firing 20',
      'host="b" resolved 30',
    ]);
    expect(previous.get('host="a"')).to.include({ state: 'nodata' });
    expect(previous.get('host="b"')?.labels).to.deep.equal({ host: 'b' });
  });

  it('forgets an alert whose series is gone once it is ok', () => {
    const r = rule({ by: ['host'], nodata: 'ok' });
    const first = evaluateRule(r, hosts(T0, { a: 95, b: 50 }), T0, new Map());
    const second = evaluateRule(r, hosts(T0 + S, { b: 50 }), T0 + S, first.alerts);
    expect(second.alerts.get('host="a"')?.state).to.equal('resolved');
    const third = evaluateRule(r, hosts(T0 + 2 * S, { b: 50 }), T0 + 2 * S, second.alerts);
    expect([...third.alerts.keys()]).to.deep.equal(['host="b"']);
  });

  it('maps a failed query, and a frame it cannot read, to an evaluation error of every alert', () => {
    const r = rule({ by: ['host'] });
    const first = evaluateRule(r, hosts(T0, { a: 95, b: 50 }), T0, new Map());
    const failed = evaluateRule(r, { error: 'timeout' }, T0 + S, first.alerts);
    expect([...failed.alerts.values()].map((s) => s.state)).to.deep.equal(['error', 'error']);
    const unreadable = evaluateRule(r, { fields: [{ name: 'cpu', type: 'number', values: [1] }] }, T0, new Map());
    expect(unreadable.alerts.get('')).to.include({ state: 'error' });
    expect(unreadable.alerts.get('')?.reason).to.match(/no time field/);
    // Data is back: the rule-wide error resolves and is then forgotten.
    const back = evaluateRule(r, hosts(T0 + S, { a: 50 }), T0 + S, unreadable.alerts);
    expect(back.transitions.map((t) => `${t.seriesKey}:${t.kind}`)).to.deep.equal([':resolved']);
    expect([...evaluateRule(r, hosts(T0 + 2 * S, { a: 50 }), T0 + 2 * S, back.alerts).alerts.keys()]).to.deep.equal(['host="a"']);
  });

  it('evaluates every series in the frame, even one whose rows are all older than the rule\'s windows', () => {
    const r = rule({ by: ['host'], when: parseCondition('count(1m) < 1') });
    const frame: Frame = {
      fields: [
        { name: 'time', type: 'time', values: [T0, T0 + 300 * S] },
        { name: 'host', type: 'string', values: ['quiet', 'busy'] },
        { name: 'cpu', type: 'number', values: [1, 2] },
      ],
    };
    const { alerts } = evaluateRule(r, frame, T0 + 300 * S, new Map());
    expect(alerts.get('host="quiet"')).to.include({ state: 'firing', value: 0 });
    expect(alerts.get('host="busy"')).to.include({ state: 'ok', value: 1 });
  });

  it('sees a frame that changed in place since the last rule read it', () => {
    const r = rule({ by: ['host'] });
    const other = rule({ name: 'other', by: ['host'], when: parseCondition('avg(1m) > 90') });
    const frame = hosts(T0, { a: 50 });
    expect(evaluateRule(r, frame, T0, new Map()).alerts.get('host="a"')).to.include({ state: 'ok' });
    // A job's history appends rows, and replaces a last row that was still filling, in the same frame.
    const [time, host, cpu] = frame.fields as [Frame['fields'][number], Frame['fields'][number], Frame['fields'][number]];
    time.values.push(T0 + S);
    host.values.push('b');
    cpu.values.push(95);
    expect([...evaluateRule(other, frame, T0 + S, new Map()).alerts.keys()]).to.deep.equal(['host="a"', 'host="b"']);
    expect(evaluateRule(r, frame, T0 + S, new Map()).alerts.get('host="b"')).to.include({ state: 'firing', value: 95 });
    cpu.values[1] = 60;
    expect(evaluateRule(r, frame, T0 + S, new Map()).alerts.get('host="b"')).to.include({ state: 'ok', value: 60 });
  });

  it('uses the clear condition for hysteresis', () => {
    const r = rule({ clear: parseCondition('last() < 80') });
    const frame = (v: number, i: number): Frame => ({ fields: [{ name: 't', type: 'time', values: [T0 + i * S] }, { name: 'cpu', type: 'number', values: [v] }] });
    let previous = new Map<string, AlertState>();
    const kinds: string[] = [];
    [95, 85, 92, 85, 79, 85].forEach((v, i) => {
      const out = evaluateRule(r, frame(v, i), T0 + i * S, previous);
      previous = out.alerts;
      kinds.push(...out.transitions.map((t) => `${t.kind}@${i}`));
    });
    expect(kinds).to.deep.equal(['firing@0', 'resolved@4']);
    expect(previous.get('')?.values).to.deep.equal({ 'last()': 85 });
  });
});

describe('transitionsToGroups', () => {
  const r = rule({ by: ['host'], repeatMs: 60 * S, description: 'values: {{ values.last() }}' });

  it('groups one rule\'s alerting notifications and its resolved ones separately, with filled-in fields', () => {
    const first = evaluateRule(r, hosts(T0, { a: 95.123456, b: 96 }), T0, new Map());
    const second = evaluateRule(r, hosts(T0 + 10 * S, { a: 50, b: 97, c: 99 }), T0 + 10 * S, first.alerts);
    const groups = transitionsToGroups(r, second.transitions);
    expect(groups.map((g) => [g.status, g.notifications.length])).to.deep.equal([['firing', 1], ['resolved', 1]]);
    const resolved = groups[1]?.notifications[0] as RuleNotification;
    expect(resolved).to.include({ status: 'resolved', rule: 'cpu-high', dashboard: 'ops', severity: 'critical', summary: 'CPU 50% on a (infra)', value: 50, repeat: 0, state: 'resolved' });
    expect(resolved.labels, 'the rule\'s labels with the series\'').to.deep.equal({ team: 'infra', host: 'a' });
    expect(resolved).to.include({ startsAt: '2024-05-01T10:00:00.000Z', endsAt: '2024-05-01T10:00:10.000Z', description: 'values: 50' });
    const firstGroups = transitionsToGroups(r, first.transitions);
    expect(firstGroups[0]?.notifications.map((n) => n.summary)).to.deep.equal(['CPU 95.1235% on a (infra)', 'CPU 96% on b (infra)']);
  });

  it('sends nodata and error as firing, saying which in `state` and in the summary', () => {
    const first = evaluateRule(r, hosts(T0, { a: 50 }), T0, new Map());
    const lost = evaluateRule(r, hosts(T0 + S, { b: 50 }), T0 + S, first.alerts);
    const [group] = transitionsToGroups(r, lost.transitions);
    const n = group?.notifications[0] as RuleNotification;
    expect(n).to.include({ status: 'firing', state: 'nodata', reason: 'no data', summary: 'CPU % on a (infra) (no data)', value: null });
  });

  it('says `state: resolved` when an alert resolves, whatever it was in (firing, nodata, error)', () => {
    const single = rule({ repeatMs: 0 });
    const frame = (v: number): Frame => ({ fields: [{ name: 't', type: 'time', values: [T0] }, { name: 'cpu', type: 'number', values: [v] }] });
    const states: [string, string][] = [];
    let previous = new Map<string, AlertState>();
    [frame(95), frame(50), { error: 'down' }, frame(50)].forEach((data, i) => {
      const out = evaluateRule(single, data, T0 + i * S, previous);
      previous = out.alerts;
      for (const g of transitionsToGroups(single, out.transitions)) for (const n of g.notifications as RuleNotification[]) states.push([n.status, n.state]);
    });
    expect(states).to.deep.equal([['firing', 'firing'], ['resolved', 'resolved'], ['firing', 'error'], ['resolved', 'resolved']]);
  });

  it('gives a rule\'s labels to its notifications, under the series\' own, keeping the ids of the series alone', () => {
    const clash = rule({ by: ['host'], labels: { team: 'infra', host: 'rule' } });
    const out = evaluateRule(clash, hosts(T0, { a: 95 }), T0, new Map());
    const [n] = transitionsToGroups(clash, out.transitions)[0]!.notifications;
    expect(n!.labels).to.deep.equal({ team: 'infra', host: 'a' });
    const bare = rule({ by: ['host'], labels: {} });
    expect(transitionsToGroups(bare, evaluateRule(bare, hosts(T0, { a: 95 }), T0, new Map()).transitions)[0]!.notifications[0]!.id, 'labels of the rule do not change the id').to.equal(n!.id);
  });

  it('gives the same transition the same ids every time, and other transitions other ids', () => {
    const once = (): string[] => {
      const out = evaluateRule(r, hosts(T0, { a: 95, b: 96 }), T0, new Map());
      return transitionsToGroups(r, out.transitions).flatMap((g) => [g.id, ...g.notifications.map((n) => n.id)]);
    };
    expect(once()).to.deep.equal(once());
    expect(new Set(once()).size).to.equal(3);
    // A repeat is a new notification of the same alert.
    const first = evaluateRule(r, hosts(T0, { a: 95 }), T0, new Map());
    const repeat = evaluateRule(r, hosts(T0 + 60 * S, { a: 95 }), T0 + 60 * S, first.alerts);
    const ids = [...transitionsToGroups(r, first.transitions), ...transitionsToGroups(r, repeat.transitions)].map((g) => g.notifications[0]?.id);
    expect(repeat.transitions[0]).to.include({ kind: 'repeat', repeat: 1 });
    expect(new Set(ids).size).to.equal(2);
  });

  it('ignores other rules\' transitions and returns nothing when nothing changed', () => {
    const out = evaluateRule(r, hosts(T0, { a: 95 }), T0, new Map());
    expect(transitionsToGroups(rule({ name: 'other' }), out.transitions)).to.deep.equal([]);
    expect(transitionsToGroups(r, [])).to.deep.equal([]);
  });
});
