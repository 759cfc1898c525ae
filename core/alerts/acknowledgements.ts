/**
 * Acknowledgements: `POST /api/alerts/ID/ack` mutes the repeats of one alerting alert until it resolves. They
 * are kept where silences are (an AcknowledgementBackend: the alerts.json document, or Redis in a cluster), so
 * they survive a restart and reach the instance that notifies. An acknowledgement holds for the alerting episode
 * under way when it was made: one stored before that episode began is left over from an earlier one.
 */

/** An acknowledgement as stored; stored as this JSON. */
export interface Acknowledgement {
  /** The alert's id: `rule` or `rule{host="a"}` (see `alertId` in alert-views.ts). */
  id: string;
  /** When it was made, epoch ms. */
  at: number;
  /** Who made it: a signed-in user's name, or `admin token`. */
  by?: string;
  /** Why, as they said it. */
  reason?: string;
}

/**
 * Where acknowledgements are kept. `list` skips (and logs) stored entries that are not acknowledgements; `put`
 * and `delete` resolve once the change is durable.
 */
export interface AcknowledgementBackend {
  list(): Promise<Acknowledgement[]>;
  put(ack: Acknowledgement): Promise<void>;
  /** False when there was none for this alert. */
  delete(id: string): Promise<boolean>;
}

/**
 * Why a stored entry is not an acknowledgement, or undefined when it is one: for the log line of a skipped entry.
 * @example acknowledgementProblem({ id: 'cpu-high', at: 'now' }) // '"at" is not a time in ms'
 */
export function acknowledgementProblem(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not an object';
  const a = v as Record<string, unknown>;
  if (typeof a.id !== 'string' || a.id === '') return '"id" is not a string';
  if (typeof a.at !== 'number' || !Number.isFinite(a.at)) return '"at" is not a time in ms';
  if (a.by !== undefined && typeof a.by !== 'string') return '"by" is not a string';
  if (a.reason !== undefined && typeof a.reason !== 'string') return '"reason" is not a string';
  return undefined;
}

/** Only the fields of an acknowledgement, so a stored entry with extra keys does not carry them along. */
export function cleanAcknowledgement(a: Acknowledgement): Acknowledgement {
  return { id: a.id, at: a.at, ...(a.by !== undefined && { by: a.by }), ...(a.reason !== undefined && { reason: a.reason }) };
}

/** The acknowledgements known, kept in memory for matching and written through to a backend. */
export class Acknowledgements {
  #all = new Map<string, Acknowledgement>();
  readonly #backend: AcknowledgementBackend | undefined;

  /** Without a backend they live in memory only (tests, tools). */
  constructor(backend?: AcknowledgementBackend) {
    this.#backend = backend;
  }

  /** Reads the stored acknowledgements again (at start, and when another instance may have changed them). */
  async load(): Promise<void> {
    if (this.#backend === undefined) return;
    const stored = await this.#backend.list();
    this.#all = new Map(stored.map((a) => [a.id, a]));
  }

  /** Acknowledges an alert at `now` (by whom and why, when known); resolves once it is stored. */
  async add(id: string, now: number, who: { by?: string; reason?: string } = {}): Promise<Acknowledgement> {
    const ack = cleanAcknowledgement({ id, at: now, ...who });
    await this.#backend?.put(ack);
    this.#all.set(id, ack);
    return ack;
  }

  /** Stores again every acknowledgement known here, for a backend that lost them (a Redis restarted empty). */
  async restore(): Promise<void> {
    for (const a of this.#all.values()) await this.#backend?.put(a);
  }

  /** Ends the acknowledgement of an alert, if it has one; resolves once that is stored. */
  async remove(id: string): Promise<void> {
    // Asked even when none is known here: another instance may have stored one not read yet. Stored first,
    // as `add` does: a failed write leaves the acknowledgement here too, as the error says.
    await this.#backend?.delete(id);
    this.#all.delete(id);
  }

  /** The acknowledgement of an alert, if any, whichever episode it was made in. */
  get(id: string): Acknowledgement | undefined {
    return this.#all.get(id);
  }

  /** Every acknowledgement known. */
  all(): Acknowledgement[] {
    return [...this.#all.values()];
  }

  /**
   * Whether the alert's alerting episode that began at `startsAt` is acknowledged.
   * @example acks.covers('cpu-high', state.firingSince ?? state.since)
   */
  covers(id: string, startsAt: number): boolean {
    const ack = this.#all.get(id);
    return ack !== undefined && ack.at >= startsAt;
  }
}
