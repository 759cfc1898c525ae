import { expect } from 'chai';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { notificationGroup, type NotificationGroup } from './notification.js';
import { createNotifiers } from './notifiers/index.js';
import { httpReceiver, recordingLogger, sampleNotification, type HttpReceiver } from './notifiers/testing.js';
import { Outbox, type OutboxOptions } from './outbox.js';
import { isOutdated, supersededIn, without } from './outbox-order.js';
import { initialAlertState, type AlertState } from './rule-state.js';
import type { OutboxEntry } from './outbox-folder.js';

const FAST: OutboxOptions = { retry: { firstMs: 20, capMs: 100 }, closeTimeoutMs: 200 };
const at = (minute: number): string => `2024-05-01T10:${String(minute).padStart(2, '0')}:00.000Z`;

/** A group of one notification of host `host` at minute `minute`: firing, or resolved. */
function change(host: string, minute: number, status: 'firing' | 'resolved'): NotificationGroup {
  const n = sampleNotification({ labels: { host }, status, ...(status === 'resolved' ? { endsAt: at(minute) } : { startsAt: at(minute) }) });
  return notificationGroup(n.rule, [n]);
}

describe('outbox order: superseding and lanes', () => {
  let dir: string;
  const cleanups: (() => Promise<void>)[] = [];
  let up = false;
  /** A receiver that fails (503) while `up` is false; only the requests it accepted count. */
  const receiver = async (): Promise<{ hook: HttpReceiver; got: () => string[] }> => {
    const answered: boolean[] = [];
    const hook = await httpReceiver((n, res) => {
      answered[n - 1] = up;
      res.statusCode = up ? 200 : 503;
      res.end();
    });
    cleanups.push(() => hook.close());
    const got = () => hook.requests.filter((_r, i) => answered[i] === true).flatMap((r) => (JSON.parse(r.body) as NotificationGroup).notifications.map((n) => `${n.labels['host']} ${n.status}`));
    return { hook, got };
  };
  const outboxFor = (url: string): Outbox => {
    const outbox = new Outbox(dir, createNotifiers({ ops: { type: 'webhook', timeoutMs: 2000, options: { url } } }), recordingLogger(), FAST);
    cleanups.push(() => outbox.close());
    return outbox;
  };
  const settle = async (outbox: Outbox): Promise<void> => {
    const end = Date.now() + 5000;
    while (outbox.stats().pending > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
  };

  beforeEach(async () => {
    up = false;
    dir = join(await mkdtemp(join(tmpdir(), 'rtdash-outbox-order-')), 'outbox');
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    await rm(join(dir, '..'), { recursive: true, force: true });
  });

  it('after an outage of several cycles, sends each alert its latest state once', async () => {
    const { hook, got } = await receiver();
    const outbox = outboxFor(hook.url);
    await outbox.start();
    for (let cycle = 0; cycle < 3; cycle++) {
      await outbox.enqueue('ops', change('a', 2 * cycle, 'firing'));
      await new Promise((r) => setTimeout(r, 60)); // a few failed tries between transitions
      await outbox.enqueue('ops', change('a', 2 * cycle + 1, 'resolved'));
      await new Promise((r) => setTimeout(r, 60));
    }
    up = true;
    await settle(outbox);
    expect(got()).to.deep.equal(['a resolved']);
    expect(outbox.stats()).to.include({ pending: 0, delivered: 1, superseded: 5 });
    expect(await readdir(dir)).to.deep.equal([]);
    expect(hook.requests.length, 'tries while the receiver was down').to.be.greaterThan(1);
  });

  it('sends one rule\'s entries one at a time, oldest first, and keeps the other alerts of a trimmed group', async () => {
    const { hook, got } = await receiver();
    const outbox = outboxFor(hook.url);
    const both = notificationGroup('cpu-high', [change('a', 0, 'firing').notifications[0]!, change('b', 0, 'firing').notifications[0]!]);
    await outbox.enqueue('ops', both);
    await outbox.enqueue('ops', change('c', 1, 'firing'));
    await outbox.enqueue('ops', change('a', 2, 'resolved'));
    up = true;
    await outbox.start();
    await settle(outbox);
    expect(got()).to.deep.equal(['b firing', 'c firing', 'a resolved']);
    // The trimmed group keeps its delivery id: a receiver that had the whole of it drops the rest as a repeat.
    expect(hook.requests[0]?.headers['x-rtdash-delivery']).to.equal(both.id);
  });

  it('supersedes at start what a previous process left, and drops what the stale check says is outdated', async () => {
    const { hook, got } = await receiver();
    const dead = outboxFor(hook.url);
    await dead.enqueue('ops', change('a', 0, 'firing'));
    await dead.enqueue('ops', change('a', 1, 'resolved'));
    const outdated = change('b', 2, 'firing');
    await dead.enqueue('ops', outdated);
    await dead.close();
    up = true;
    const outbox = outboxFor(hook.url);
    outbox.setStaleCheck(async (entry) => new Set(entry.group.notifications.filter((n) => n.id === outdated.notifications[0]!.id).map((n) => n.id)));
    await outbox.start();
    await settle(outbox);
    expect(got()).to.deep.equal(['a resolved']);
    expect(await readdir(dir)).to.deep.equal([]);
  });
});

describe('supersededIn and without', () => {
  const entry = (group: NotificationGroup): OutboxEntry => ({ version: 1, id: group.id, notifier: 'ops', createdAt: at(0), group });

  it('drops from older entries the alerts a newer one is about, except from one being sent', () => {
    const lane = [entry(change('a', 0, 'firing')), entry(change('b', 0, 'firing')), entry(change('a', 1, 'resolved'))];
    expect(supersededIn(lane).map((s) => s.size)).to.deep.equal([1, 0, 0]);
    expect(supersededIn(lane, (e) => e === lane[0]).map((s) => s.size)).to.deep.equal([0, 0, 0]);
  });

  it('identifies an alert by its series when the entry says it, by its labels otherwise', () => {
    const older = { ...entry(change('a', 0, 'firing')) };
    const newer = { ...entry(change('z', 1, 'resolved')) };
    older.alerts = { [older.group.notifications[0]!.id]: { series: 'host="a"', at: 0, state: 'firing' } };
    newer.alerts = { [newer.group.notifications[0]!.id]: { series: 'host="a"', at: 1, state: 'resolved' } };
    expect(supersededIn([older, newer])[0]?.size).to.equal(1);
    expect(without(older, new Set([older.group.notifications[0]!.id]))).to.equal(undefined);
  });
});

describe('isOutdated', () => {
  const state = (over: Partial<AlertState>): AlertState => ({ ...initialAlertState({}, 0), ...over });
  const firing = { series: '', at: 1000, state: 'firing' };
  const resolved = { series: '', at: 2000, state: 'resolved' };

  it('says a firing is outdated once its alert resolved, changed state or fired again, not after a repeat', () => {
    expect(isOutdated(firing, state({ state: 'firing', since: 1000, firingSince: 1000, lastNotifiedAt: 5000 })), 'a repeat since').to.equal(false);
    expect(isOutdated(firing, state({ state: 'resolved', since: 2000 }))).to.equal(true);
    expect(isOutdated(firing, state({ state: 'ok', since: 3000 }))).to.equal(true);
    expect(isOutdated(firing, state({ state: 'nodata', since: 2000, firingSince: 1000 }))).to.equal(true);
    expect(isOutdated(firing, state({ state: 'firing', since: 4000, firingSince: 4000 })), 'a new episode').to.equal(true);
    expect(isOutdated(firing, undefined), 'an alert not known').to.equal(false);
  });

  it('says a resolved is outdated only once a new episode has begun', () => {
    expect(isOutdated(resolved, state({ state: 'ok', since: 3000 }))).to.equal(false);
    expect(isOutdated(resolved, state({ state: 'pending', since: 3000, pendingSince: 3000 }))).to.equal(false);
    expect(isOutdated(resolved, state({ state: 'firing', since: 4000, firingSince: 4000 }))).to.equal(true);
  });
});
