/**
 * Silences: they mute notifications, never evaluation. A silence matches alerts by label (the rule's name and
 * dashboard count as the labels `rule` and `dashboard`) until its end time. They are kept where the alert state
 * is (a SilenceBackend: the alerts.json document, or Redis in a cluster), so they survive a restart.
 */
import { randomUUID } from 'node:crypto';
import { RtdashError } from '../errors.js';

/** A silence as `POST /api/silences` creates it; stored as this JSON. */
export interface Silence {
  id: string;
  /** Label name → exact value; every one must match. */
  matchers: Record<string, string>;
  /** Epoch ms. */
  startsAt: number;
  endsAt: number;
  comment?: string;
  /** Who made it: a signed-in user's name, or `admin token`. */
  createdBy?: string;
}

/**
 * Where silences are kept. `list` skips (and logs) stored entries that are not silences and drops those that
 * have ended; `put` and `delete` resolve once the change is durable.
 */
export interface SilenceBackend {
  list(now: number): Promise<Silence[]>;
  put(silence: Silence): Promise<void>;
  /** False when there was no silence with this id. */
  delete(id: string): Promise<boolean>;
}

/** The labels a silence is matched against for one alert. */
export function silenceLabels(rule: string, dashboard: string | undefined, labels: Record<string, string>): Record<string, string> {
  return { ...labels, rule, ...(dashboard !== undefined && { dashboard }) };
}

/**
 * Checks an API body `{ matchers: {rule: "cpu-high"}, ends_at: ISO, comment? }` and makes the silence it asks for.
 * Throws RTDASH_BAD_REQUEST naming what is wrong.
 */
export function parseSilence(body: unknown, now: number): Silence {
  if (body === null || typeof body !== 'object') throw new RtdashError('RTDASH_BAD_REQUEST', 'a silence is a JSON object: {"matchers":{"rule":"cpu-high"},"ends_at":"2030-01-01T00:00:00Z"}');
  const { matchers, ends_at: endsAt, comment } = body as Record<string, unknown>;
  if (matchers === null || typeof matchers !== 'object' || Array.isArray(matchers) || Object.keys(matchers).length === 0) {
    throw new RtdashError('RTDASH_BAD_REQUEST', '"matchers" must be an object of at least one label and its value, such as {"rule":"cpu-high"}');
  }
  for (const [k, v] of Object.entries(matchers)) if (typeof v !== 'string') throw new RtdashError('RTDASH_BAD_REQUEST', `matcher "${k.slice(0, 40)}" must be a string`);
  const end = typeof endsAt === 'string' ? Date.parse(endsAt) : NaN;
  if (!Number.isFinite(end)) throw new RtdashError('RTDASH_BAD_REQUEST', '"ends_at" must be a date and time such as "2030-01-01T00:00:00Z"');
  if (end <= now) throw new RtdashError('RTDASH_BAD_REQUEST', `"ends_at" (${endsAt as string}) is not in the future`);
  if (comment !== undefined && typeof comment !== 'string') throw new RtdashError('RTDASH_BAD_REQUEST', '"comment" must be a string');
  return { id: randomUUID(), matchers: { ...(matchers as Record<string, string>) }, startsAt: now, endsAt: end, ...(comment !== undefined && { comment }) };
}

/**
 * Why a stored entry is not a silence, or undefined when it is one: for the log line of a skipped entry.
 * @example silenceProblem({ id: 's1', matchers: {}, startsAt: 0, endsAt: 1 }) // '"matchers" is empty or not an object of strings'
 */
export function silenceProblem(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not an object';
  const s = v as Record<string, unknown>;
  if (typeof s.id !== 'string' || s.id === '') return '"id" is not a string';
  const m = s.matchers;
  if (typeof m !== 'object' || m === null || Array.isArray(m) || Object.keys(m).length === 0 || !Object.values(m).every((x) => typeof x === 'string')) {
    return '"matchers" is empty or not an object of strings';
  }
  if (typeof s.startsAt !== 'number' || !Number.isFinite(s.startsAt)) return '"startsAt" is not a time in ms';
  if (typeof s.endsAt !== 'number' || !Number.isFinite(s.endsAt)) return '"endsAt" is not a time in ms';
  if (s.comment !== undefined && typeof s.comment !== 'string') return '"comment" is not a string';
  if (s.createdBy !== undefined && typeof s.createdBy !== 'string') return '"createdBy" is not a string';
  return undefined;
}

/** Only the fields of a silence, so a stored entry with extra keys does not carry them along. */
export function cleanSilence(s: Silence): Silence {
  return { id: s.id, matchers: { ...s.matchers }, startsAt: s.startsAt, endsAt: s.endsAt, ...(s.comment !== undefined && { comment: s.comment }), ...(s.createdBy !== undefined && { createdBy: s.createdBy }) };
}

/** The silences in force, kept in memory for matching and written through to a backend. */
export class Silences {
  #all = new Map<string, Silence>();
  readonly #backend: SilenceBackend | undefined;

  /** Without a backend they live in memory only (tests, tools). */
  constructor(backend?: SilenceBackend) {
    this.#backend = backend;
  }

  /** Reads the stored silences again (at start, and when another instance may have changed them). */
  async load(now: number): Promise<void> {
    if (this.#backend === undefined) return;
    const stored = await this.#backend.list(now);
    this.#all = new Map(stored.map((s) => [s.id, s]));
  }

  /** Adds a silence from an API body (see `parseSilence`), made by `by` when known; resolves once it is stored. */
  async add(body: unknown, now: number, by?: string): Promise<Silence> {
    const silence = { ...parseSilence(body, now), ...(by !== undefined && { createdBy: by }) };
    await this.#backend?.put(silence);
    this.#all.set(silence.id, silence);
    return silence;
  }

  /** Stores again every silence in force here, for a backend that lost them (a Redis restarted empty). */
  async restore(now: number): Promise<void> {
    for (const s of this.active(now)) await this.#backend?.put(s);
  }

  /** Ends a silence early; false when there is none with this id. */
  async remove(id: string): Promise<boolean> {
    // Stored first, as `add` does: a failed write leaves the silence in force here too, as the 500 says.
    const stored = (await this.#backend?.delete(id)) ?? false;
    const known = this.#all.delete(id);
    return known || stored;
  }

  /** The silences still in force. */
  active(now: number): Silence[] {
    for (const [id, s] of this.#all) if (s.endsAt <= now) this.#all.delete(id);
    return [...this.#all.values()];
  }

  /** The silence muting an alert with these labels, if any. */
  muting(labels: Record<string, string>, now: number): Silence | undefined {
    return this.active(now).find((s) => Object.entries(s.matchers).every(([k, v]) => labels[k] === v));
  }
}
