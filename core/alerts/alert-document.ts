/**
 * The alert document, as alerts.json and the Redis key `<prefix>:alerts` hold it (version 1):
 *   { "version": 1, "savedAt": "<ISO>", "alerts": { "<rule>": { "<series key>": AlertState } },
 *     "history": [Transition, …], "silences": [Silence, …], "acknowledgements": [Acknowledgement, …] }
 * Reading it checks every entry: a document that is not this shape is unusable as a whole, a malformed entry
 * inside one is skipped and counted. `silences` and then `acknowledgements` came later; a document without one
 * has none.
 */
import { ALERT_STATES, type AlertState, type Transition } from './rule-state.js';
import { acknowledgementProblem, cleanAcknowledgement, type Acknowledgement } from './acknowledgements.js';
import { cleanSilence, silenceProblem, type Silence } from './silences.js';

/** Every rule's alerts: rule name → series key → state. */
export type AlertStates = Record<string, Record<string, AlertState>>;

/** The version this server writes and reads. */
export const ALERT_DOCUMENT_VERSION = 1;

/** What a readable document holds, and what of it was left out. */
export interface ReadDocument {
  alerts: AlertStates;
  history: Transition[];
  /** The silences still in force at `now`. */
  silences: Silence[];
  /** Malformed alert states and history entries skipped. */
  dropped: number;
  /** Malformed silences skipped, and why for the first few (`#2: "endsAt" is not a time in ms`). */
  badSilences: Skipped;
  /** Silences that had ended by `now`. */
  expiredSilences: number;
  /** The acknowledgements of alerting alerts. */
  acknowledgements: Acknowledgement[];
  /** Malformed acknowledgements skipped, and why for the first few. */
  badAcknowledgements: Skipped;
}

/** Entries of a list that were skipped: how many, and why for the first few (`#2: "at" is not a time in ms`). */
export interface Skipped {
  count: number;
  problems: string[];
}

/**
 * Reads a document's text: what it holds, or why it is unusable as a whole.
 * @example readAlertDocument('{"version":1,"alerts":{},"history":[]}', Date.now()) // { alerts: {}, history: [], silences: [], … }
 */
export function readAlertDocument(text: string, now: number): ReadDocument | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return `it is not JSON (${err instanceof Error ? err.message : String(err)})`;
  }
  const problem = checkDocument(parsed);
  if (problem !== undefined) return problem;
  const doc = parsed as { alerts: Record<string, Record<string, unknown>>; history: unknown[]; silences?: unknown; acknowledgements?: unknown };
  const out: ReadDocument = { alerts: {}, history: [], silences: [], dropped: 0, badSilences: { count: 0, problems: [] }, expiredSilences: 0, acknowledgements: [], badAcknowledgements: { count: 0, problems: [] } };
  for (const [rule, byKey] of Object.entries(doc.alerts)) {
    const kept: Record<string, AlertState> = {};
    for (const [key, state] of Object.entries(byKey)) {
      if (isAlertState(state)) kept[key] = state;
      else out.dropped++;
    }
    out.alerts[rule] = kept;
  }
  out.history = doc.history.filter(isTransition);
  out.dropped += doc.history.length - out.history.length;
  for (const s of readList(doc.silences, 'silences', silenceProblem, out.badSilences)) {
    if ((s as Silence).endsAt <= now) out.expiredSilences++;
    else out.silences.push(cleanSilence(s as Silence));
  }
  out.acknowledgements = readList(doc.acknowledgements, 'acknowledgements', acknowledgementProblem, out.badAcknowledgements).map((a) => cleanAcknowledgement(a as Acknowledgement));
  return out;
}

/** The entries of an optional list that pass `problem`; the others are counted in `skipped`. */
function readList(list: unknown, name: string, problem: (v: unknown) => string | undefined, skipped: Skipped): unknown[] {
  const skip = (why: string): void => {
    skipped.count++;
    if (skipped.problems.length < 5) skipped.problems.push(why);
  };
  if (list === undefined || list === null) return [];
  if (!Array.isArray(list)) {
    skip(`"${name}" is not an array`);
    return [];
  }
  return list.filter((v: unknown, i) => {
    const why = problem(v);
    if (why !== undefined) skip(`#${i}: ${why}`);
    return why === undefined;
  });
}

/** The text of a document holding these; silences that have ended by `now` are left out. */
export function writeAlertDocument(
  content: { alerts: AlertStates; history: readonly Transition[]; silences: readonly Silence[]; acknowledgements: readonly Acknowledgement[] },
  now: number,
): string {
  const silences = content.silences.filter((s) => s.endsAt > now);
  const { alerts, history, acknowledgements } = content;
  return JSON.stringify({ version: ALERT_DOCUMENT_VERSION, savedAt: new Date(now).toISOString(), alerts, history, silences, acknowledgements });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkDocument(v: unknown): string | undefined {
  if (!isRecord(v)) return 'it is not a JSON object';
  if (v.version !== ALERT_DOCUMENT_VERSION) return `its version is ${JSON.stringify(v.version)}, expected ${ALERT_DOCUMENT_VERSION}`;
  if (!isRecord(v.alerts) || !Object.values(v.alerts).every(isRecord)) return '"alerts" is not an object of objects';
  if (!Array.isArray(v.history)) return '"history" is not an array';
  return undefined;
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isOptNum = (v: unknown): boolean => v === undefined || isNum(v);

function isAlertState(v: unknown): v is AlertState {
  return (
    isRecord(v) && (ALERT_STATES as readonly unknown[]).includes(v.state) && isNum(v.since) && isNum(v.repeats) &&
    (v.value === null || isNum(v.value)) && isRecord(v.values) && isRecord(v.labels) &&
    isOptNum(v.pendingSince) && isOptNum(v.firingSince) && isOptNum(v.resolvingSince) && isOptNum(v.errorSince) && isOptNum(v.lastNotifiedAt)
  );
}

function isTransition(v: unknown): v is Transition {
  return isRecord(v) && typeof v.rule === 'string' && typeof v.kind === 'string' && isNum(v.at) && isNum(v.startsAt) && isRecord(v.labels);
}
