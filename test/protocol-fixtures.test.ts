/**
 * The shared protocol fixtures (test/fixtures/protocol/*.json, also run through the client's DashboardState by
 * web-components/client/protocol-fixtures.test.ts) on the server's side: every message is one the protocol
 * schema allows, and the server's own widget history, given the same frames and errors, ends in the state
 * the fixture expects the client to show.
 */
import { expect } from 'chai';
import { readFileSync, readdirSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorCode } from '../core/errors.js';
import type { Frame } from '../core/frame.js';
import { WidgetHistory } from '../core/widget-history.js';
import { widgetTraits } from '../core/widget-types.js';

type Entry = { w: string; seq: number; at: number; status: string; op?: string; frame?: Frame; error?: { code: string; message: string } };
type Msg = { type: string; definition?: { widgets: { id: string; type: string; keep?: { points: number } | { ms: number }; range?: true }[] }; widgets?: Entry[]; updates?: Entry[] };
type Expected = { widgets: Record<string, { frame: Frame; status: string; error?: unknown }> };
interface Fixture {
  description: string;
  messages: Msg[];
  state: Expected;
  then?: { messages: Msg[]; state: Expected };
}

const root = new URL('../../', import.meta.url);
const dir = new URL('test/fixtures/protocol/', root);
const schema = (name: string) => JSON.parse(readFileSync(new URL(`core/schemas/${name}.schema.json`, root), 'utf8')) as object;

/** Replays a fixture's frames and errors into one WidgetHistory per widget, as the server's jobs would. */
class Replay {
  readonly histories = new Map<string, WidgetHistory>();
  readonly #applied = new Map<string, number>();

  feed(messages: Msg[]): void {
    for (const msg of messages) {
      if (msg.type === 'snapshot') {
        this.histories.clear();
        this.#applied.clear();
        for (const w of msg.definition!.widgets) {
          if (!widgetTraits(w.type).data) continue;
          const keep = w.keep === undefined ? { kind: 'points' as const, count: 300 } : 'points' in w.keep ? { kind: 'points' as const, count: w.keep.points } : { kind: 'duration' as const, ms: w.keep.ms };
          this.histories.set(w.id, new WidgetHistory(w.id, w.range === true ? 'replace' : widgetTraits(w.type).merge, keep, 0));
        }
      }
      for (const e of msg.widgets ?? msg.updates ?? []) {
        const history = this.histories.get(e.w);
        // A widget the server does not have, or an entry it has sent already, changes nothing.
        if (history === undefined || e.seq <= (this.#applied.get(e.w) ?? -1)) continue;
        this.#applied.set(e.w, e.seq);
        if (e.status === 'error') history.applyError(e.error!.code as ErrorCode, e.error!.message, e.at);
        else if (e.frame !== undefined && e.frame.fields.length > 0) history.applyFrame(structuredClone(e.frame), e.at);
      }
    }
  }

  check(expected: Expected, what: string): void {
    for (const [id, state] of Object.entries(expected.widgets)) {
      const history = this.histories.get(id);
      expect(history, `${what}: widget ${id}`).to.not.equal(undefined);
      expect(history!.frame, `${what}: the frame of ${id}`).to.deep.equal(state.frame);
      expect(history!.status, `${what}: the status of ${id}`).to.equal(state.status);
      if (state.error !== undefined) expect(history!.error, `${what}: the error of ${id}`).to.deep.equal(state.error);
    }
    expect([...this.histories.keys()].sort(), `${what}: the widgets with data`).to.deep.equal(Object.keys(expected.widgets).sort());
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
      for (const msg of [...fixture.messages, ...(fixture.then?.messages ?? [])]) {
        expect(serverMessage(msg), `${msg.type}: ${JSON.stringify(serverMessage.errors?.slice(0, 3))}`).to.equal(true);
      }
    });
    it(`${file}: the server's widget history ends where the client does`, () => {
      const replay = new Replay();
      replay.feed(fixture.messages);
      replay.check(fixture.state, file);
      if (fixture.then !== undefined) {
        replay.feed(fixture.then.messages);
        replay.check(fixture.then.state, `${file}, then`);
      }
    });
  }
});
