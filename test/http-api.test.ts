/** The HTTP side: API, schemas, health, metrics, SSE and long polling, against a real server. */
import { expect } from 'chai';
import http from 'node:http';
import { startTestServer, testDashboard, type TestServer, VARS_DASHBOARD } from './support/test-server.js';
import { errorOf, request } from './support/http-client.js';
import { WireDecoder } from './support/wire-decoder.js';
import { decodeCursor } from '../core/stream/protocol.js';

describe('HTTP API', function () {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({
      'api.yaml': testDashboard('api', { a: { behave: 'counter', tag: 'api-a' } }, '100ms'),
      'vars.yaml': VARS_DASHBOARD,
    });
  });
  after(() => t.stop());
  const get = (path: string, init?: RequestInit) => fetch(`${t.server.url}${path}`, init);

  it('lists dashboards and shows one without its queries or source options', async () => {
    const list = (await (await get('/api/dashboards')).json()) as { id: string }[];
    expect(list.map((d) => d.id)).to.deep.equal(['api', 'vars']);
    const text = await (await get('/api/dashboards/vars')).text();
    const def = JSON.parse(text) as { widgets: object[]; variables: object[] };
    expect(def.variables).to.have.length(1);
    expect(text).to.not.include('behave');
    expect(text).to.not.include('"source"');
  });

  it('answers unknown dashboards, widgets and routes with JSON errors carrying stable codes', async () => {
    const res = await get('/api/dashboards/nope');
    expect(res.status).to.equal(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).to.equal('RTDASH_DASHBOARD_NOT_FOUND');
    expect(((await (await get('/api/dashboards/api/widgets/zz')).json()) as { error: { code: string } }).error.code).to.equal('RTDASH_WIDGET_NOT_FOUND');
    expect(((await (await get('/no/such/route')).json()) as { error: { code: string } }).error.code).to.equal('RTDASH_NOT_FOUND');
    const bad = await get('/api/dashboards/vars/widgets/w?var-region=mars');
    expect(bad.status).to.equal(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).to.equal('RTDASH_VARIABLE_INVALID');
  });

  it('serves one widget’s data, running its job when nobody watches it', async () => {
    const body = (await (await get('/api/dashboards/vars/widgets/w?var-region=us')).json()) as { w: string; status: string; frame: { fields: { name: string }[] } };
    expect(body).to.include({ w: 'w', status: 'ok' });
    expect(body.frame.fields.map((f) => f.name)).to.deep.equal(['time', 'value']);
  });

  it('serves the JSON Schemas, health, readiness and data-source health', async () => {
    for (const name of ['config', 'dashboard', 'frame', 'protocol']) {
      const schema = (await (await get(`/schemas/${name}.json`)).json()) as { $id: string };
      expect(schema.$id).to.equal(`https://rtdash.dev/schemas/${name}.json`);
    }
    // The editor's copy of the config schema takes ${PORT:-8080} where a number goes.
    const config = (await (await get('/schemas/config.json')).json()) as { properties: { server: { properties: { port: { anyOf?: { type: string }[] } } } } };
    expect(config.properties.server.properties.port.anyOf?.map((s) => s.type)).to.deep.equal(['integer', 'string']);
    expect(await (await get('/healthz')).json()).to.deep.equal({ status: 'ok' });
    expect((await get('/readyz')).status).to.equal(200);
    const sources = (await (await get('/api/datasources')).json()) as { name: string; health: { status: string } }[];
    expect(sources.find((s) => s.name === 'demo')?.health.status).to.equal('ok');
  });

  it('exposes Prometheus metrics in the text format', async () => {
    await get('/api/dashboards/api/widgets/a');
    const res = await get('/metrics');
    expect(res.headers.get('content-type')).to.match(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    for (const name of ['rtdash_viewers', 'rtdash_connections', 'rtdash_messages_sent_total', 'rtdash_bytes_sent_total', 'rtdash_queries_total', 'rtdash_query_duration_seconds_bucket', 'rtdash_ticks_skipped_total', 'nodejs_eventloop_lag_seconds', 'process_cpu_seconds_total']) {
      expect(text).to.include(`# TYPE ${name.replace(/_bucket$/, '')} `);
    }
    expect(text).to.match(/rtdash_queries_total\{source="test",outcome="ok"\} [1-9]/);
  });

  it('shows broken dashboard files on the pages a person looks at', async () => {
    t.write('zz-broken.yaml', 'id: broken\ntitle: [unclosed\n');
    await t.server.store.reload();
    const index = await (await get('/')).text();
    expect(index).to.include('zz-broken.yaml:2:');
    const missing = await get('/d/broken');
    expect(missing.status).to.equal(404);
    expect(missing.headers.get('content-type')).to.match(/html/);
    expect(await missing.text()).to.include('zz-broken.yaml:2:');
    (await import('node:fs')).rmSync(`${t.dir}/zz-broken.yaml`);
    await t.server.store.reload();
  });

  it('refuses a browser origin that is not in server.origins', async () => {
    const answer = await request(`${t.server.url}/sse?dashboard=api`, { Origin: 'https://evil.example' });
    expect(answer.status).to.equal(403);
    expect(errorOf(answer).code).to.equal('RTDASH_ORIGIN_NOT_ALLOWED');
  });

  it('streams over Server-Sent Events and resumes from Last-Event-ID', async () => {
    const read = (headers: Record<string, string>, count: number) =>
      new Promise<{ id?: string; data: { type: string; updates?: { seq: number }[]; resumed?: boolean } }[]>((resolve, reject) => {
        const events: { id?: string; data: { type: string; updates?: { seq: number }[] } }[] = [];
        const req = http.get(`${t.server.url}/sse?dashboard=api`, { headers }, (res) => {
          expect(res.headers['content-type']).to.match(/^text\/event-stream/);
          let buffer = '';
          res.on('data', (chunk: Buffer) => {
            buffer += chunk.toString();
            let end;
            while ((end = buffer.indexOf('\n\n')) >= 0) {
              const block = buffer.slice(0, end);
              buffer = buffer.slice(end + 2);
              const data = /^data: (.*)$/m.exec(block)?.[1];
              if (data === undefined) continue;
              const id = /^id: (.*)$/m.exec(block)?.[1];
              events.push({ ...(id !== undefined && { id }), data: JSON.parse(data) });
              if (events.length === count) {
                req.destroy();
                resolve(events);
              }
            }
          });
        });
        req.on('error', (err) => (events.length >= count ? undefined : reject(err)));
      });
    // Each stream read as a client does: from its snapshot, or from where the Last-Event-ID says it stood.
    const spelt = (events: Awaited<ReturnType<typeof read>>, decoder: WireDecoder) => events.map((e) => decoder.decode(e.data) as (typeof events)[number]['data']);
    const raw = await read({}, 5);
    const first = spelt(raw, new WireDecoder());
    expect(first.map((m) => m.type)).to.deep.equal(['hello', 'snapshot', 'update', 'update', 'update']);
    const last = raw.at(-1)!;
    const lastSeq = first.at(-1)!.updates!.at(-1)!.seq;
    const resuming = new WireDecoder();
    resuming.resume('api', decodeCursor(last.id).positions);
    const resumed = spelt(await read({ 'Last-Event-ID': last.id! }, 3), resuming);
    expect(resumed[1]).to.include({ type: 'update', resumed: true });
    const seqs = resumed.slice(1).flatMap((m) => m.updates!.map((u) => u.seq));
    seqs.forEach((s, i) => expect(s).to.equal(lastSeq + 1 + i));
  });

  it('serves long polls: a snapshot first, then updates for the session', async () => {
    type Poll = { session: string; cursor: string; messages: { type: string; updates?: { seq: number }[] }[] };
    const first = (await (await get('/api/poll?dashboard=api')).json()) as Poll;
    expect(first.messages.map((m) => m.type)).to.deep.equal(['snapshot']);
    const second = (await (await get(`/api/poll?dashboard=api&session=${first.session}&wait=5`)).json()) as Poll;
    expect(second.session).to.equal(first.session);
    expect(second.messages.length).to.be.greaterThan(0);
    expect(second.messages[0]!.type).to.equal('update');
    expect(second.cursor).to.be.a('string').and.not.equal(first.cursor);
    const bad = await get('/api/poll?dashboard=vars&var-region=mars');
    expect(bad.status).to.equal(400);
    const forgotPrefix = await get('/api/poll?dashboard=vars&region=us');
    expect(forgotPrefix.status).to.equal(400);
    expect(((await forgotPrefix.json()) as { error: { message: string } }).error.message).to.include('var-region=');
  });
});

describe('the server’s own pages', function () {
  let t: TestServer;
  before(async () => {
    t = await startTestServer({ 'vars.yaml': VARS_DASHBOARD });
  });
  after(() => t.stop());

  it('serves a dashboard’s page, and refuses values a variable does not accept', async () => {
    const page = await fetch(`${t.server.url}/d/vars`);
    expect(page.status).to.equal(200);
    expect(await page.text()).to.include('<rt-dashboard dashboard="vars">');
    const bad = await fetch(`${t.server.url}/d/vars?var-region=mars`);
    expect(bad.status).to.equal(400);
    expect(await bad.text()).to.include('variable &#34;region&#34; must be one of eu, us; got &#34;mars&#34;');
  });
});
