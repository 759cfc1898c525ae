/**
 * Embed tokens that fix or bound the time range (docs/security.md, "Embed tokens"), on a real server through
 * the WebSocket, the widget API and the page, and tokens made by `rtdash token create --from/--max-range`:
 * a viewer gets the token's range, a range outside it is refused with RTDASH_RANGE_FORBIDDEN naming the limit.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { packageRoot, schemaDir } from '../core/paths.js';
import { signEmbedToken, verifyEmbedToken } from '../core/embed-token.js';
import { connect, type Message } from './support/ws-client.js';
import { errorOf, request } from './support/http-client.js';
import { startTestServer, type TestServer } from './support/test-server.js';
import { SECRET } from './support/embed.js';

const HOUR = 3_600_000;
const TIMED = `id: timed
title: Timed
access: token
time: { default: 24h, max: 30d }
widgets:
  - { id: w, title: W, type: line, source: test, query: { behave: counter, tag: "tok-range" }, every: 200ms }
`;

const sign = (claims: { range?: { from: string; to: string }; maxRangeMs?: number }) => signEmbedToken(SECRET, { dashboard: 'timed', ttlMs: 60_000, ...claims });

/** The `definition.time` of a snapshot. */
const timeOf = (m: Message) => (m.definition as { time?: { choices: string[] } }).time;

describe('embed tokens that fix or bound the time range', function () {
  this.timeout(20_000);
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ 'timed.yaml': TIMED }, {}, false, { embedSecret: SECRET });
  });
  after(() => t.stop());

  /** The answer to one subscribe with `range` (or none) under `token`: the snapshot or the error. */
  async function subscribe(token: string, range?: object): Promise<Message> {
    const c = await connect(`${t.wsUrl}?token=${encodeURIComponent(token)}`);
    try {
      c.send({ type: 'subscribe', dashboard: 'timed', ...(range && { range }) });
      return await c.next((m) => m.type === 'snapshot' || m.type === 'error');
    } finally {
      await c.close();
    }
  }

  it('gives the range a token fixes, accepts it written another way, and refuses another one', async () => {
    const to = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR;
    const fixed = { from: new Date(to - 6 * HOUR).toISOString(), to: new Date(to).toISOString() };
    const token = sign({ range: fixed });
    const plain = await subscribe(token);
    expect(plain.type).to.equal('snapshot');
    expect(plain.range).to.include({ fromMs: to - 6 * HOUR, toMs: to, live: false });
    // The same instants as epoch milliseconds are the same range.
    expect((await subscribe(token, { from: to - 6 * HOUR, to })).type).to.equal('snapshot');
    const other = await subscribe(token, { from: 'now-1h', to: 'now' });
    expect(other).to.include({ type: 'error', code: 'RTDASH_RANGE_FORBIDDEN', dashboard: 'timed' });
    expect(other.message).to.include(`fixes the time range to "${fixed.from}" .. "${fixed.to}"`);
    const api = await request(`${t.server.url}/api/dashboards/timed/widgets/w?token=${encodeURIComponent(token)}&from=now-1h&to=now`, {}, { readMs: 3000 });
    expect(api.status).to.equal(403);
    expect(errorOf(api).code).to.equal('RTDASH_RANGE_FORBIDDEN');
  });

  it('refuses a range longer than a token\'s bound, accepts a shorter one, and cuts the default to the bound', async () => {
    const token = sign({ maxRangeMs: 6 * HOUR });
    const long = await subscribe(token, { from: 'now-7d', to: 'now' });
    expect(long).to.include({ type: 'error', code: 'RTDASH_RANGE_FORBIDDEN', dashboard: 'timed' });
    expect(long.message).to.equal('the range "now-7d" .. "now" is longer than the embed token allows (6h); ask for 6h or less');
    const short = await subscribe(token, { from: 'now-1h', to: 'now' });
    expect(short.range).to.include({ from: 'now-1h', to: 'now', live: true });
    // The dashboard's default is 24h: a viewer who asks for nothing gets the last 6 hours.
    const plain = await subscribe(token);
    expect(plain.range).to.include({ from: 'now-6h', to: 'now', live: true });
    const page = await request(`${t.server.url}/d/timed?token=${encodeURIComponent(token)}&from=now-2d&to=now`);
    expect(page.status).to.equal(403);
    expect(page.body).to.include('longer than the embed token allows (6h)');
    // The page links back to the list, and to the dashboard's defaults with the same token (which cut the range to 6h).
    expect(page.body).to.include('<a href="/">Dashboards</a>');
    const back = /<a href="([^"]+)">Open it with the default values and range<\/a>/.exec(page.body)?.[1]?.replaceAll('&amp;', '&');
    expect(back).to.equal(`/d/timed?token=${encodeURIComponent(token)}`);
    expect(page.headers['referrer-policy']).to.equal('no-referrer');
    expect((await request(t.server.url + back)).status).to.equal(200);
    // A token without a bound leaves the dashboard's own rules.
    expect((await subscribe(sign({}), { from: 'now-7d', to: 'now' })).type).to.equal('snapshot');
  });

  it('tells each viewer what its token leaves of the picker, in the definition of its snapshot and of the API', async () => {
    const own = { default: { from: 'now-24h', to: 'now' }, choices: ['5m', '15m', '1h', '6h', '24h', '7d'], max: '30d', maxPoints: 600 };
    const fixed = await subscribe(sign({ range: { from: 'now-2h', to: 'now' } }));
    expect(timeOf(fixed)).to.deep.equal({ ...own, default: { from: 'now-2h', to: 'now' }, choices: [], fixed: true });
    const bounded = sign({ maxRangeMs: 6 * HOUR });
    const expected = { ...own, default: { from: 'now-6h', to: 'now' }, choices: ['5m', '15m', '1h', '6h'], max: '6h' };
    expect(timeOf(await subscribe(bounded))).to.deep.equal(expected);
    // A bound longer than the dashboard's own max leaves max as it is.
    expect(timeOf(await subscribe(sign({ maxRangeMs: 60 * 24 * HOUR })))).to.deep.equal(own);
    expect(timeOf(await subscribe(sign({})))).to.deep.equal(own);
    // The protocol schema describes the narrowed definition too.
    const ajv = new Ajv2020({ strict: true, allowUnionTypes: true });
    for (const name of ['frame', 'protocol']) ajv.addSchema(JSON.parse(readFileSync(join(schemaDir, `${name}.schema.json`), 'utf8')) as object);
    const valid = ajv.getSchema('https://rtdash.dev/schemas/protocol.json')!;
    expect(valid(fixed), JSON.stringify(valid.errors)).to.equal(true);
    const api = await request(`${t.server.url}/api/dashboards/timed?token=${encodeURIComponent(bounded)}`);
    expect(JSON.parse(api.body).time).to.deep.equal(expected);
  });

  it('keeps viewers of the same range with different bounds apart: each gets its own definition, both get the data', async () => {
    const [narrow, wide] = await Promise.all([connect(`${t.wsUrl}?token=${sign({ maxRangeMs: HOUR })}`), connect(`${t.wsUrl}?token=${sign({})}`)]);
    try {
      const range = { from: 'now-1h', to: 'now' };
      narrow.send({ type: 'subscribe', dashboard: 'timed', range });
      const first = await narrow.next((m) => m.type === 'snapshot');
      wide.send({ type: 'subscribe', dashboard: 'timed', range });
      const second = await wide.next((m) => m.type === 'snapshot');
      expect(timeOf(first)?.choices).to.deep.equal(['5m', '15m', '1h']);
      expect(timeOf(second)?.choices).to.deep.equal(['5m', '15m', '1h', '6h', '24h', '7d']);
      await Promise.all([narrow.next((m) => m.type === 'update'), wide.next((m) => m.type === 'update')]);
    } finally {
      await Promise.all([narrow.close(), wide.close()]);
    }
  });

  describe('rtdash token create --from / --max-range', () => {
    let dir: string;
    const BIN = join(packageRoot, 'dist', 'bin', 'rtdash.js');
    const run = (args: string[]) =>
      spawnSync(process.execPath, [BIN, 'token', 'create', '--dashboard', 'timed', '--ttl', '1h', ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, RTDASH_CONFIG: undefined, RTDASH_EMBED_SECRET: SECRET } });
    before(() => {
      dir = mkdtempSync(join(tmpdir(), 'rtdash-token-range-'));
      mkdirSync(join(dir, 'dashboards'));
      writeFileSync(join(dir, 'config.yaml'), 'auth:\n  embed_secret: ${RTDASH_EMBED_SECRET}\ndatasources:\n  demo: { type: demo }\nlog:\n  level: warn\n');
      writeFileSync(join(dir, 'dashboards', 'timed.yaml'), TIMED.replaceAll('source: test, query: { behave: counter, tag: "tok-range" }', 'source: demo, query: { metric: active_users }'));
    });
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('signs the range or the bound into the token, and the server applies it', async () => {
      const bounded = run(['--max-range', '6h']);
      expect(bounded.status, bounded.stderr).to.equal(0);
      expect(bounded.stderr).to.include('ranges up to 6h');
      expect(verifyEmbedToken(bounded.stdout.trim(), SECRET).maxRangeMs).to.equal(6 * HOUR);
      expect(await subscribe(bounded.stdout.trim(), { from: 'now-1d', to: 'now' })).to.include({ code: 'RTDASH_RANGE_FORBIDDEN' });
      const fixed = run(['--from', 'now-2h']);
      expect(fixed.status, fixed.stderr).to.equal(0);
      expect(verifyEmbedToken(fixed.stdout.trim(), SECRET).range).to.deep.equal({ from: 'now-2h', to: 'now' });
      expect((await subscribe(fixed.stdout.trim())).range).to.include({ from: 'now-2h', to: 'now' });
    });

    it('refuses a bad range or both kinds at once, saying what is wrong', () => {
      const bad = run(['--from', 'now-1x']);
      expect(bad.status).to.equal(1);
      expect(bad.stderr).to.include('"from" "now-1x" has an unknown unit "x"');
      const both = run(['--from', 'now-1h', '--max-range', '6h']);
      expect(both.status).to.equal(1);
      expect(both.stderr).to.include('not both');
      const long = run(['--from', 'now-60d']);
      expect(long.stderr).to.include("longer than the dashboard's max of 30d");
    });
  });
});
