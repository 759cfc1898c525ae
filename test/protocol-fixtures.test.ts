/**
 * The shared protocol fixtures (test/fixtures/protocol/*.json, whose messages are also applied to the client's
 * DashboardState by web-components/client/protocol-fixtures.test.ts) on the server's side. A fixture is steps:
 * a source's run (`run`: a frame or an error, at a time) or a message the server sends (`message`). Every
 * message is one the protocol schema allows, the server's widget history given the same runs builds exactly
 * those entries (whole states in snapshots, changes in updates), and it ends in the state the client shows.
 */
import { expect } from 'chai';
import { readFileSync, readdirSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorCode } from '../core/errors.js';
import type { Frame } from '../core/frame.js';
import { entryJson } from '../core/stream/protocol.js';
import { WidgetHistory, type UpdateEntry } from '../core/widget-history.js';
import { widgetTraits } from '../core/widget-types.js';

type WidgetDef = { id: string; type: string; keep?: { points: number } | { ms: number }; range?: true };
type Msg = { type: string; at?: number; definition?: { widgets: WidgetDef[] }; widgets?: { w: string; status?: string; at?: number }[]; updates?: { w: string }[] };
type Run = { w: string; at: number; frame?: Frame; error?: { code: string; message: string } };
type Step = { run: Run } | { message: Msg };
type Expected = { widgets: Record<string, { frame: Frame; status: string; error?: unknown }> };
interface Fixture {
  description: string;
  steps: Step[];
  state: Expected;
  then?: { steps: Step[]; state: Expected };
}

const root = new URL('../../', import.meta.url);
const dir = new URL('test/fixtures/protocol/', root);
const schema = (name: string) => JSON.parse(readFileSync(new URL(`core/schemas/${name}.schema.json`, root), 'utf8')) as object;
const messagesOf = (steps: Step[]) => steps.flatMap((s) => ('message' in s ? [s.message] : []));

/** Plays a fixture's runs into one WidgetHistory per widget, as the server's jobs would, and checks what it sends. */
class Replay {
  readonly histories = new Map<string, WidgetHistory>();
  readonly #defs = new Map<string, WidgetDef>();
  /** Entries made since the last update message. */
  #made: UpdateEntry[] = [];

  constructor(fixture: Fixture) {
    for (const msg of [...messagesOf(fixture.steps), ...messagesOf(fixture.then?.steps ?? [])]) for (const w of msg.definition?.widgets ?? []) this.#defs.set(w.id, w);
  }

  play(steps: Step[], what: string): void {
    for (const step of steps) {
      if ('run' in step) this.#run(step.run);
      else this.#check(step.message, what);
    }
  }

  #run({ w, at, frame, error }: Run): void {
    const history = this.#history(w);
    const entry = error !== undefined ? history.applyError(error.code as ErrorCode, error.message, at) : history.applyFrame(structuredClone(frame!), at);
    if (entry !== undefined) this.#made.push(entry);
  }

  #check(msg: Msg, what: string): void {
    if (msg.type === 'snapshot') {
      const ids = new Set(msg.definition!.widgets.filter((w) => widgetTraits(w.type).data).map((w) => w.id));
      for (const id of [...this.histories.keys()]) if (!ids.has(id)) this.histories.delete(id);
      // A widget still waiting for its first run has the time its job started: any.
      const timeless = (e: { status?: string; at?: number }) => (e.status === 'pending' ? { ...e, at: 0 } : e);
      const expected = [...ids].map((id) => timeless(JSON.parse(this.#history(id).snapshot()) as { status: string }));
      expect(msg.widgets!.map(timeless), `${what}: the snapshot's widgets`).to.deep.equal(expected);
      this.#made = []; // what the runs before it made is in the snapshot

    } else if (msg.type === 'update') {
      // Entries of a widget the server does not have stand for what an older definition sent: the client drops them.
      const known = msg.updates!.filter((e) => this.#defs.has(e.w));
      expect(known, `${what}: the update's entries`).to.deep.equal(this.#made.map((e) => JSON.parse(entryJson(e, msg.at!)) as unknown));
      this.#made = [];
    }
  }

  #history(id: string): WidgetHistory {
    let history = this.histories.get(id);
    if (history === undefined) {
      const w = this.#defs.get(id)!;
      const keep = w.keep === undefined ? { kind: 'points' as const, count: 300 } : 'points' in w.keep ? { kind: 'points' as const, count: w.keep.points } : { kind: 'duration' as const, ms: w.keep.ms };
      history = new WidgetHistory(id, w.range === true ? 'replace' : widgetTraits(w.type).merge, keep, 0);
      this.histories.set(id, history);
    }
    return history;
  }

  checkState(expected: Expected, what: string): void {
    for (const [id, state] of Object.entries(expected.widgets)) {
      const history = this.histories.get(id);
      expect(history, `${what}: widget ${id}`).to.not.equal(undefined);
      expect(history!.frame, `${what}: the frame of ${id}`).to.deep.equal(state.frame);
      expect(history!.status, `${what}: the status of ${id}`).to.equal(state.status);
      if (state.error !== undefined) expect(history!.error, `${what}: the error of ${id}`).to.deep.equal(state.error);
    }
  }
}

describe('the shared protocol fixtures on the server', () => {
  const ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
  ajv.addSchema(schema('frame'));
  ajv.addSchema(schema('protocol'));
  const serverMessage = ajv.getSchema('https://rtdash.dev/schemas/protocol.json#/$defs/serverMessage')!;
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));

  for (const file of files) {
    const fixture = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as Fixture;
    it(`${file}: every message is one the protocol schema allows`, () => {
      for (const msg of [...messagesOf(fixture.steps), ...messagesOf(fixture.then?.steps ?? [])]) {
        expect(serverMessage(msg), `${msg.type}: ${JSON.stringify(serverMessage.errors?.slice(0, 3))}`).to.equal(true);
      }
    });
    it(`${file}: the server's widget history sends exactly these entries and ends where the client does`, () => {
      const replay = new Replay(fixture);
      replay.play(fixture.steps, file);
      replay.checkState(fixture.state, file);
      if (fixture.then !== undefined) {
        replay.play(fixture.then.steps, `${file}, then`);
        replay.checkState(fixture.then.state, `${file}, then`);
      }
    });
  }
});
