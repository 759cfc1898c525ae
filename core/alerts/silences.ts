/**
 * Silences and acknowledgements: they mute notifications, never evaluation. A silence matches alerts by
 * label (the rule's name and dashboard count as the labels `rule` and `dashboard`) until its end time; an
 * acknowledgement mutes one alert's repeats until it resolves.
 */
import { randomUUID } from 'node:crypto';
import { RtdashError } from '../errors.js';

/** A silence as `POST /api/silences` creates it. */
export interface Silence {
  id: string;
  /** Label name → exact value; every one must match. */
  matchers: Record<string, string>;
  /** Epoch ms. */
  startsAt: number;
  endsAt: number;
  comment?: string;
}

/** The labels a silence is matched against for one alert. */
export function silenceLabels(rule: string, dashboard: string | undefined, labels: Record<string, string>): Record<string, string> {
  return { ...labels, rule, ...(dashboard !== undefined && { dashboard }) };
}

/** The current silences. */
export class Silences {
  #all = new Map<string, Silence>();

  /**
   * Adds a silence from an API body `{ matchers: {rule: "cpu-high"}, ends_at: ISO | duration_ms?, comment? }`.
   * Throws RTDASH_BAD_REQUEST naming what is wrong.
   */
  add(body: unknown, now: number): Silence {
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
    const silence: Silence = { id: randomUUID(), matchers: { ...(matchers as Record<string, string>) }, startsAt: now, endsAt: end, ...(comment !== undefined && { comment }) };
    this.#all.set(silence.id, silence);
    return silence;
  }

  /** Ends a silence early; false when there is none with this id. */
  remove(id: string): boolean {
    return this.#all.delete(id);
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
