/**
 * The protocol's JSON Schema (/schemas/protocol.json) against real messages: a real server, real WebSocket,
 * SSE and long-poll clients, dashboards that make every message (a snapshot with a time range and query
 * variables, updates, a catch-up, alerts, errors, hello, pong), and the messages the elements send.
 */
import { expect } from 'chai';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { subscribeMessage, unsubscribeMessage, PING } from '../web-components/client/protocol.js';
import { levels } from './support/test-plugin.js';
import { connect, type Message } from './support/ws-client.js';
import { startTestServer, until, type TestServer } from './support/test-server.js';

const TIMED = `id: timed
title: Timed
time: { default: 1h, choices: [15m, 1h, 6h], max: 7d, max_points: 300 }
variables:
  region: { type: query, source: test, query: { behave: hosts, tag: regions }, refresh: 1s }
  host: { type: query, source: test, query: { behave: hosts, tag: "hosts of :region" }, refresh: 1s }
  level: { type: select, options: [low, high], default: low, label: Level }
  name: { type: text, pattern: "[a-z]+", default: abc }
widgets:
  - { id: chart, title: Chart, type: line, source: test, query: { behave: counter, tag: "chart :from :to :bucket" }, every: 200ms }
  - { id: now, title: Now, type: area, source: test, query: { behave: counter, tag: "now :host" }, every: 200ms, keep: 5m, unit: ms }
  - { id: hosts, title: Hosts, type: table, source: test, query: { behave: hosts, tag: fleet }, every: 200ms }
  - { id: big, title: Big, type: stat, source: test, query: { behave: level, tag: stat }, every: 200ms, thresholds: [{ value: 0, color: green }, { value: 5, color: red }], min: 0, max: 10 }
  - { id: broken, title: Broken, type: gauge, source: test, query: { behave: reject }, every: 200ms }
  - { id: note, title: Note, type: text, content: "Hello" }
  - { id: list, title: Alerts, type: alerts }
alerts:
  - { name: big-high, widget: big, when: "last() > 5", severity: critical, summary: "level is {{ value }}" }
`;

const PLAIN = `id: plain
title: Plain
widgets:
  - { id: w, title: W, type: line, source: test, query: { behave: counter, tag: plain }, every: 200ms, keep: 20 }
`;

describe('the protocol schema against real messages', function () {
  this.timeout(20_000);
  let t: TestServer;
  let validate: ValidateFunction;
  let base: string;

  const valid = (what: string, value: unknown, def = '') => {
    const check = def === '' ? validate : ajvFor(def);
    const ok = check(value);
    expect(ok, `${what}: ${JSON.stringify(check.errors?.slice(0, 3))} in ${JSON.stringify(value).slice(0, 400)}`).to.equal(true);
  };
  let ajv: Ajv2020;
  const ajvFor = (def: string) => ajv.getSchema(`https://rtdash.dev/schemas/protocol.json#/$defs/${def}`)!;

  before(async () => {
    t = await startTestServer({ 'timed.yaml': TIMED, 'plain.yaml': PLAIN });
    base = t.server.url;
    // The schemas as the server serves them.
    const [frame, protocol] = await Promise.all(['frame', 'protocol'].map(async (n) => (await fetch(`${base}/schemas/${n}.json`)).json() as Promise<object>));
    ajv = new Ajv2020({ strict: true, allowUnionTypes: true, allErrors: true });
    ajv.addSchema(frame!);
    ajv.addSchema(protocol!);
    validate = ajv.getSchema('https://rtdash.dev/schemas/protocol.json')!;
  });
  after(async () => {
    levels.clear();
    await t.stop();
  });

  it('is served at /schemas/protocol.json', async () => {
    const res = await fetch(`${base}/schemas/protocol.json`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.include('application/schema+json');
  });

  it('describes every message of a WebSocket session: hello, snapshot with range and query variables, updates, alerts, errors, pong, catch-up', async () => {
    const c = await connect(t.wsUrl);
    // Waits until the client has had a matching message, whatever came between.
    const had = (client: typeof c, match: (m: Message) => boolean, what: string) => until(() => client.messages.some(match), 5000, what);
    c.send(subscribeMessage('timed', { level: 'high' }, { from: 'now-6h', to: 'now' }));
    const snap = await c.nextOf('snapshot');
    expect(snap.range).to.include({ from: 'now-6h', to: 'now', live: true });
    const variables = (snap.definition as { variables: { name: string; type: string; parents?: string[]; options?: string[] }[] }).variables;
    expect(variables.find((v) => v.name === 'host')).to.deep.include({ type: 'query', parents: ['region'] });
    expect(variables.find((v) => v.name === 'region')!.options).to.not.be.empty;
    // A dashboard without time: its chart appends.
    c.send(subscribeMessage('plain', {}, undefined));
    c.send(JSON.parse(PING) as object);
    c.send({ type: 'subscribe', dashboard: 'nope' });
    c.send('{"type":"sing"}');
    c.send({ type: 'subscribe', dashboard: 'timed', range: { from: 'now-1x' } });
    const updatesOf = (m: Message) => (m.type === 'update' ? (m.updates as { w: string; op?: string }[]) : []);
    await had(c, (m) => updatesOf(m).some((u) => u.w === 'now'), 'an update of the time dashboard');
    await had(c, (m) => updatesOf(m).some((u) => u.w === 'w' && u.op === 'append'), 'an append');
    levels.set('stat', 7);
    await had(c, (m) => m.type === 'alerts' && (m.alerts as { state: string }[]).some((a) => a.state === 'firing'), 'a firing alert');
    await had(c, (m) => m.type === 'pong', 'pong');
    await had(c, (m) => m.type === 'error' && m.dashboard === 'nope', 'an error about a dashboard');
    await had(c, (m) => m.type === 'error' && m.dashboard === undefined, 'an error about the connection');
    await had(c, (m) => m.type === 'error' && m.code === 'RTDASH_RANGE_INVALID', 'a range refused');
    const seen = Object.fromEntries((snap.widgets as { w: string; seq: number }[]).map((w) => [w.w, w.seq]));
    c.send(unsubscribeMessage('timed'));
    c.send(unsubscribeMessage('plain'));
    // A second client resumes from the first snapshot: its catch-up is an update marked resumed.
    const r = await connect(t.wsUrl);
    r.send(subscribeMessage('timed', { level: 'high' }, { from: 'now-6h', to: 'now' }, { version: snap.version as string, positions: seen }));
    await r.next((m) => m.type === 'update' && m.resumed === true);
    await c.close();
    await r.close();

    const all: Message[] = [...c.messages, ...r.messages];
    const types = new Set(all.map((m) => m.type));
    expect([...types].sort()).to.deep.equal(['alerts', 'error', 'hello', 'pong', 'snapshot', 'update']);
    for (const m of [...c.raw, ...r.raw]) valid(m.type, m);
    const entries = all.flatMap((m) => ((m.widgets ?? m.updates ?? []) as { status: string; op?: string }[]));
    expect(entries.some((e) => e.status === 'error'), 'an entry in error').to.equal(true);
    expect(entries.some((e) => e.op === 'append') && entries.some((e) => e.op === 'replace')).to.equal(true);
  });

  it('describes the long-poll body and the SSE events', async () => {
    const poll = await fetch(`${base}/api/poll?dashboard=timed&from=now-15m&to=now&wait=0`);
    expect(poll.status).to.equal(200);
    const body = (await poll.json()) as { messages: Message[] };
    expect(body.messages.map((m) => m.type)).to.include('snapshot');
    valid('poll body', body, 'pollBody');

    const abort = new AbortController();
    const sse = await fetch(`${base}/sse?dashboard=timed`, { signal: abort.signal });
    const reader = sse.body!.getReader();
    let text = '';
    const decoder = new TextDecoder();
    const deadline = Date.now() + 5000;
    while ((text.match(/^data: /gm) ?? []).length < 3 && Date.now() < deadline) text += decoder.decode((await reader.read()).value, { stream: true });
    abort.abort();
    const events = text.split('\n').filter((l) => l.startsWith('data: ')).map((l) => JSON.parse(l.slice(6)) as Message);
    for (const m of events) valid(`SSE ${m.type}`, m, 'serverMessage');
  });

  it('describes what the elements send, and refuses what no server accepts', () => {
    valid('subscribe', subscribeMessage('d', { r: 'eu' }, undefined), 'clientMessage');
    valid('resuming subscribe', subscribeMessage('d', {}, { from: 'now-1h', to: 'now' }, { version: 'abc', positions: { w: 12 } }), 'clientMessage');
    valid('unsubscribe', unsubscribeMessage('d'), 'clientMessage');
    valid('ping', JSON.parse(PING), 'clientMessage');
    for (const bad of [{ type: 'subscribe' }, { type: 'sing' }, { type: 'subscribe', dashboard: 'd', resume: { w: 'x' } }]) {
      expect(ajvFor('clientMessage')(bad), JSON.stringify(bad)).to.equal(false);
    }
    expect(validate({ type: 'update', dashboard: 'd', updates: [{ w: 'x', seq: 1, at: 1, lastGoodAt: null, status: 'fine' }] }), 'a status no server sends').to.equal(false);
  });
});
