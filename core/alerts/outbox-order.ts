/**
 * The order of the outbox: a receiver must never end on a state older than its alert's current one. Entries
 * of one rule for one notifier form a lane, sent one at a time, oldest first; and a newer notification of an
 * alert supersedes an older one still waiting in the lane (it is taken out of its group, and a group left
 * empty is dropped). So after a receiver outage it gets each alert's latest state once, not the whole
 * sequence in whatever order the retries happen to come.
 */
import type { AlertNotification } from './notification.js';
import type { NotificationAbout, OutboxEntry } from './outbox-folder.js';
import type { AlertStates } from './alert-document.js';
import { isAlerting, type AlertState } from './rule-state.js';

/** The lane of an entry: its notifier and its rule. */
export function laneOf(entry: Pick<OutboxEntry, 'notifier' | 'group'>): string {
  return JSON.stringify([entry.notifier, entry.group.rule]);
}

/**
 * The alert a notification is about, within its rule: its series key when the entry says so, else its labels
 * (an entry written before entries said it).
 */
export function alertOf(entry: Pick<OutboxEntry, 'alerts'>, notification: AlertNotification): string {
  const about = entry.alerts?.[notification.id];
  if (about !== undefined) return `series:${about.series}`;
  const labels = Object.entries(notification.labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `labels:${JSON.stringify(labels)}`;
}

/** Orders entries as they were made: by `createdAt`, then by `seq` within one millisecond. */
export function byCreation(a: Pick<OutboxEntry, 'createdAt' | 'seq'>, b: Pick<OutboxEntry, 'createdAt' | 'seq'>): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return (a.seq ?? 0) - (b.seq ?? 0);
}

/**
 * For one lane, oldest first: the notifications each entry must drop because a newer entry of the lane is
 * about the same alert. Entries in `fixed` (a try in flight) drop nothing, but still supersede older ones.
 * @example supersededIn([firing, resolved]) // [Set { firing's notification id }, Set {}]
 */
export function supersededIn(lane: readonly OutboxEntry[], fixed: (entry: OutboxEntry) => boolean = () => false): Set<string>[] {
  const seen = new Set<string>();
  const out: Set<string>[] = new Array(lane.length);
  for (let i = lane.length - 1; i >= 0; i--) {
    const entry = lane[i] as OutboxEntry;
    const drop = new Set<string>();
    for (const n of entry.group.notifications) {
      const alert = alertOf(entry, n);
      if (seen.has(alert) && !fixed(entry)) drop.add(n.id);
    }
    for (const n of entry.group.notifications) seen.add(alertOf(entry, n));
    out[i] = drop;
  }
  return out;
}

/**
 * The entry without the notifications in `drop`; undefined when none is left. The group keeps its id (the
 * delivery id): a receiver that already got the whole group can drop the rest of it as a repeat.
 */
export function without(entry: OutboxEntry, drop: ReadonlySet<string>): OutboxEntry | undefined {
  const notifications = entry.group.notifications.filter((n) => !drop.has(n.id));
  if (notifications.length === 0) return undefined;
  const status = notifications.some((n) => n.status === 'firing') ? 'firing' : 'resolved';
  const alerts = entry.alerts === undefined ? undefined : Object.fromEntries(Object.entries(entry.alerts).filter(([id]) => !drop.has(id)));
  return { ...entry, group: { ...entry.group, status, notifications }, ...(alerts !== undefined && { alerts }) };
}

/**
 * Whether a notification tells less than its alert's current state: the alert has left the state it reports
 * (firing resolved, or went to nodata) or entered it again since (a new episode), or, for a `resolved`, a new
 * episode has begun. A repeat since, even a muted one, leaves a `firing` current.
 * @example isOutdated({ series: '', at: 1000, state: 'firing' }, { ...state, state: 'resolved', since: 2000 }) // true
 */
export function isOutdated(about: NotificationAbout, current: AlertState | undefined): boolean {
  if (current === undefined) return false;
  if (about.state === 'resolved') return isAlerting(current.state) && (current.firingSince ?? current.since) > about.at;
  return current.state !== about.state || current.since > about.at;
}

/** The notifications of an entry that tell less than their alerts' current states (see isOutdated). */
export function outdatedIn(entry: Pick<OutboxEntry, 'alerts' | 'group'>, states: AlertStates): Set<string> {
  const stale = new Set<string>();
  for (const [id, about] of Object.entries(entry.alerts ?? {})) if (isOutdated(about, states[entry.group.rule]?.[about.series])) stale.add(id);
  return stale;
}

/** What a lane holds of an entry. */
export interface LaneEntry {
  entry: OutboxEntry;
  /** Its lane (see laneOf). */
  lane: string;
  /** False while its file is being written. */
  written: boolean;
  /** A try of it is running. */
  sending: boolean;
}

/**
 * The lanes of an outbox: each lane's entries oldest first (only the first is tried), and each lane's file
 * changes run one after another, so that a send can wait until the lane's earlier changes are on disk and a
 * crash never brings back an entry that was superseded.
 */
export class OutboxLanes<P extends LaneEntry> {
  readonly #lanes = new Map<string, P[]>();
  readonly #io = new Map<string, Promise<void>>();
  readonly #track: (work: Promise<void>) => void;

  /** `track` is given every file change, so that closing can wait for them. */
  constructor(track: (work: Promise<void>) => void) {
    this.#track = track;
  }

  /** Every lane that has entries. */
  names(): string[] {
    return [...this.#lanes.keys()];
  }

  /** The first entry of a lane: the one to try. */
  head(lane: string): P | undefined {
    return this.#lanes.get(lane)?.[0];
  }

  /** Adds an entry at the end of its lane. */
  join(p: P): void {
    const lane = this.#lanes.get(p.lane);
    if (lane === undefined) this.#lanes.set(p.lane, [p]);
    else lane.push(p);
  }

  /** Takes an entry out of its lane. */
  leave(p: P): void {
    const lane = this.#lanes.get(p.lane);
    const at = lane?.indexOf(p) ?? -1;
    if (at >= 0) lane!.splice(at, 1);
    if (lane !== undefined && lane.length === 0) this.#lanes.delete(p.lane);
  }

  /** Forgets every lane (their file changes go on). */
  clear(): void {
    this.#lanes.clear();
  }

  /** The written entries of a lane that must drop notifications, with those notifications' ids. */
  superseded(lane: string): [P, Set<string>][] {
    const entries = (this.#lanes.get(lane) ?? []).filter((p) => p.written);
    const drops = supersededIn(entries.map((p) => p.entry), (entry) => entries.find((p) => p.entry === entry)?.sending === true);
    return entries.flatMap((p, i) => ((drops[i] as Set<string>).size > 0 ? [[p, drops[i] as Set<string>] as [P, Set<string>]] : []));
  }

  /** Runs a file change of a lane after its earlier ones. */
  change(lane: string, work: () => Promise<void>): void {
    const run = (this.#io.get(lane) ?? Promise.resolve()).catch(() => undefined).then(work);
    this.#io.set(lane, run);
    this.#track(run.finally(() => this.#io.get(lane) === run && this.#io.delete(lane)));
  }

  /** Resolves once every file change of the lane made so far is done. */
  async settled(lane: string): Promise<void> {
    await this.#io.get(lane)?.catch(() => undefined);
  }
}
