/**
 * `type: query` variables against a real PostgreSQL (a database of this suite's own, dropped after it), a real
 * server and real WebSocket clients: options from the database, chained three deep, values outside them
 * refused, changed options reaching viewers, a failing options query, and one query per refresh however many
 * viewers, counted by the database itself.
 */
import { expect } from 'chai';
import { createDatabase, databaseUrl, dropDatabase, variablesExample, withDatabase } from './support/scratch-database.js';
import { needService } from './support/services.js';
import { SECRET, token } from './support/embed.js';
import { createLogger } from '../core/logger.js';
import { startTestServer, sleep, until, type TestServer } from './support/test-server.js';
import { connect, type Message, type TestClient } from './support/ws-client.js';

const DB = `rtdash_qvars_${process.pid}`;
const ADMIN = 'a'.repeat(32);

/** The example of docs/variables.md, on this suite's database, refreshed every second. */
export const QV_DASHBOARD = `id: qv
title: Query variables
variables:
  region: { type: query, source: shopdb, query: "SELECT region FROM regions()", refresh: 1s, default: us }
  host: { type: query, source: shopdb, query: "SELECT host FROM hosts_in(:region)", refresh: 1s }
  service: { type: query, source: shopdb, query: "SELECT service FROM services WHERE host = :host ORDER BY 1", refresh: 1s }
widgets:
  - id: picked
    type: table
    source: shopdb
    query: "SELECT CAST(:region AS text) AS region, CAST(:host AS text) AS host, CAST(:service AS text) AS service"
    every: 200ms
`;

const SCHEMA = `
CREATE TABLE hosts (region text NOT NULL, host text NOT NULL);
INSERT INTO hosts VALUES ('eu', 'eu-1'), ('eu', 'eu-2'), ('us', 'us-1');
CREATE TABLE services (host text NOT NULL, service text NOT NULL);
INSERT INTO services VALUES ('eu-1', 'api'), ('eu-1', 'web'), ('eu-2', 'db'), ('us-1', 'cache');
-- Every options query is counted here, by what it asked for.
CREATE TABLE calls (what text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp());
-- ok = 0 makes the host query fail (division by zero) until it is set back to 1.
CREATE TABLE switch (ok int NOT NULL);
INSERT INTO switch VALUES (1);
CREATE FUNCTION regions() RETURNS TABLE (region text) LANGUAGE sql VOLATILE AS $$
  INSERT INTO calls (what) VALUES ('regions');
  SELECT DISTINCT h.region FROM hosts h ORDER BY 1;
$$;
CREATE FUNCTION hosts_in(r text) RETURNS TABLE (host text) LANGUAGE sql VOLATILE AS $$
  INSERT INTO calls (what) VALUES ('hosts:' || r);
  SELECT h.host FROM hosts h WHERE h.region = r AND 1 / (SELECT ok FROM switch) = 1 ORDER BY 1;
$$;
`;

const sql = (text: string, values: unknown[] = []) => withDatabase(DB, async (c) => (await c.query(text, values)).rows as Record<string, unknown>[]);
const calls = async (what: string): Promise<number> => Number((await sql('SELECT count(*) AS n FROM calls WHERE what = $1', [what]))[0]!.n);

interface PublicVar {
  name: string;
  options?: string[];
  error?: { code: string; message: string };
}
const variablesOf = (snapshot: Message) => (snapshot.definition as { variables: PublicVar[] }).variables;
const optionsOf = (snapshot: Message, name: string) => variablesOf(snapshot).find((v) => v.name === name)?.options;

async function subscribed(ts: TestServer, vars?: Record<string, string>): Promise<{ client: TestClient; snapshot: Message }> {
  const client = await connect(ts.wsUrl);
  client.send({ type: 'subscribe', dashboard: 'qv', ...(vars && { vars }) });
  const snapshot = await client.next((m) => m.type === 'snapshot' || m.type === 'error');
  return { client, snapshot };
}

describe('query variables (PostgreSQL, server, WebSocket)', function () {
  this.timeout(30_000);
  let ts: TestServer;
  let created = false;
  const clients: TestClient[] = [];

  before(async function () {
    await needService(this, 'postgres');
    created = true;
    await createDatabase(DB, SCHEMA);
    ts = await startTestServer({ 'qv.yaml': QV_DASHBOARD }, {}, false, {
      ...(process.env.QV_DEBUG ? { logger: createLogger('debug', process.stderr) } : {}),
      adminTokens: [ADMIN],
      embedSecret: SECRET,
      datasources: [{ name: 'shopdb', type: 'postgres', options: { url: databaseUrl(DB), pool_size: 3 }, timeoutMs: 5000 }],
    });
  });

  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });

  after(async () => {
    await ts?.stop();
    if (created) await dropDatabase(DB);
  });

  it('takes the options from the database and picks the default, then the first option, down the chain', async () => {
    const { client, snapshot } = await subscribed(ts);
    clients.push(client);
    expect(snapshot.type).to.equal('snapshot');
    expect(snapshot.vars).to.deep.equal({ region: 'us', host: 'us-1', service: 'cache' });
    expect(optionsOf(snapshot, 'region')).to.deep.equal(['eu', 'us']);
    expect(optionsOf(snapshot, 'host')).to.deep.equal(['us-1']);
    expect(optionsOf(snapshot, 'service')).to.deep.equal(['cache']);
    // Viewers never see where options come from.
    expect(JSON.stringify(snapshot.definition)).not.to.match(/SELECT|shopdb/);
    // The widget's query got the values as bound parameters.
    const update = await client.next((m) => m.type === 'update' && JSON.stringify(m).includes('"cache"'));
    expect(JSON.stringify(update)).to.include('"us-1"');
  });

  it('chains two deep: another region gives other hosts, another host other services', async () => {
    const eu = await subscribed(ts, { region: 'eu' });
    clients.push(eu.client);
    expect(eu.snapshot.vars).to.deep.equal({ region: 'eu', host: 'eu-1', service: 'api' });
    expect(optionsOf(eu.snapshot, 'host')).to.deep.equal(['eu-1', 'eu-2']);
    expect(optionsOf(eu.snapshot, 'service')).to.deep.equal(['api', 'web']);
    const eu2 = await subscribed(ts, { region: 'eu', host: 'eu-2' });
    clients.push(eu2.client);
    expect(eu2.snapshot.vars).to.deep.equal({ region: 'eu', host: 'eu-2', service: 'db' });
    expect(optionsOf(eu2.snapshot, 'service')).to.deep.equal(['db']);
  });

  it('refuses a value outside the current options, naming the variable and its options', async () => {
    const wrongHost = await subscribed(ts, { region: 'eu', host: 'us-1' });
    clients.push(wrongHost.client);
    expect(wrongHost.snapshot).to.include({ type: 'error', code: 'RTDASH_VARIABLE_INVALID', dashboard: 'qv' });
    expect(wrongHost.snapshot.message).to.equal('variable "host" has no option "us-1": it must be one of eu-1, eu-2');
    const wrongRegion = await subscribed(ts, { region: 'mars' });
    clients.push(wrongRegion.client);
    expect(wrongRegion.snapshot.message).to.match(/variable "region" has no option "mars": it must be one of eu, us/);
    // The HTTP routes refuse it the same way.
    const res = await fetch(`${ts.server.url}/api/dashboards/qv/widgets/picked?var-region=eu&var-host=us-1`);
    expect(res.status).to.equal(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).to.equal('RTDASH_VARIABLE_INVALID');
  });

  it('answers SSE and long polling the same way: options first, a value outside them a 400', async () => {
    const bad = await fetch(`${ts.server.url}/sse?dashboard=qv&var-region=eu&var-host=us-1`);
    expect(bad.status).to.equal(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).to.equal('variable "host" has no option "us-1": it must be one of eu-1, eu-2');
    const polled = await fetch(`${ts.server.url}/api/poll?dashboard=qv&var-region=eu&wait=0`);
    expect(polled.status).to.equal(200);
    const body = JSON.stringify(await polled.json());
    expect(body).to.include('"vars":{"region":"eu","host":"eu-1","service":"api"}');
    const stream = await fetch(`${ts.server.url}/sse?dashboard=qv&var-region=eu&var-host=eu-2`);
    expect(stream.status).to.equal(200);
    const reader = stream.body!.getReader();
    let text = '';
    while (!text.includes('"type":"snapshot"')) text += new TextDecoder().decode((await reader.read()).value);
    await reader.cancel();
    expect(text).to.include('"vars":{"region":"eu","host":"eu-2","service":"db"}');
  });

  it('lets an embed token fix a query variable to one of its options, and refuses one outside them', async () => {
    const watch = async (tok: string, vars?: Record<string, string>): Promise<Message> => {
      const client = await connect(`${ts.wsUrl}?token=${encodeURIComponent(tok)}`);
      clients.push(client);
      client.send({ type: 'subscribe', dashboard: 'qv', ...(vars && { vars }) });
      return client.next((m) => m.type === 'snapshot' || m.type === 'error');
    };
    expect((await watch(token('qv', { region: 'eu' }))).vars).to.deep.equal({ region: 'eu', host: 'eu-1', service: 'api' });
    expect(await watch(token('qv', { region: 'eu' }), { region: 'us' })).to.include({ type: 'error', code: 'RTDASH_VARIABLE_FIXED' });
    expect((await watch(token('qv', { region: 'eu', host: 'eu-2' }))).vars).to.deep.equal({ region: 'eu', host: 'eu-2', service: 'db' });
    const outside = await watch(token('qv', { host: 'eu-2' }));
    expect(outside).to.include({ type: 'error', code: 'RTDASH_VARIABLE_INVALID', message: 'variable "host" has no option "eu-2": it must be one of us-1' });
  });

  it('moves viewers to the reloaded definition with its options read anew', async () => {
    const { client } = await subscribed(ts, { region: 'eu', host: 'eu-2' });
    clients.push(client);
    ts.write('qv.yaml', QV_DASHBOARD.replace('title: Query variables', 'title: Query variables, renamed'));
    await ts.server.reload();
    const reloaded = await client.next((m) => m.type === 'snapshot' && m.reason === 'reload', 5000);
    expect((reloaded.definition as { title: string }).title).to.equal('Query variables, renamed');
    expect(reloaded.vars).to.deep.equal({ region: 'eu', host: 'eu-2', service: 'db' });
    expect(optionsOf(reloaded, 'host')).to.deep.equal(['eu-1', 'eu-2']);
    ts.write('qv.yaml', QV_DASHBOARD);
    await ts.server.reload();
    await client.next((m) => m.type === 'snapshot' && (m.definition as { title: string }).title === 'Query variables', 5000);
  });

  it('sends changed options to viewers; a value gone from them falls back to the first option', async () => {
    const { client, snapshot } = await subscribed(ts, { region: 'eu', host: 'eu-2' });
    clients.push(client);
    expect(snapshot.vars).to.deep.equal({ region: 'eu', host: 'eu-2', service: 'db' });
    await sql(`DELETE FROM hosts WHERE host = 'eu-2'`);
    await sql(`INSERT INTO hosts VALUES ('apac', 'ap-1')`);
    try {
      const moved = await client.next((m) => m.type === 'snapshot' && (m.vars as Record<string, string>).host === 'eu-1', 5000);
      expect(moved.vars).to.deep.equal({ region: 'eu', host: 'eu-1', service: 'api' });
      expect(optionsOf(moved, 'host')).to.deep.equal(['eu-1']);
      // The new region may have come before or after the move: the latest snapshot has it.
      const latest = (): Message => client.messages.filter((m) => m.type === 'snapshot').at(-1)!;
      await until(() => optionsOf(latest(), 'region')?.includes('apac') === true, 5000, 'the new region');
      expect(optionsOf(latest(), 'region')).to.deep.equal(['apac', 'eu', 'us']);
      expect(latest().vars).to.deep.equal({ region: 'eu', host: 'eu-1', service: 'api' });
    } finally {
      await sql(`INSERT INTO hosts VALUES ('eu', 'eu-2')`);
      await sql(`DELETE FROM hosts WHERE host = 'ap-1'`);
      await sleep(1500); // the next tests start from the options read back
    }
  });

  it('keeps the options before when their query fails, shows the error (in full to admins only), and keeps serving', async () => {
    const { client } = await subscribed(ts, { region: 'eu' });
    clients.push(client);
    await sql('UPDATE switch SET ok = 0');
    try {
      const failed = await client.next((m) => m.type === 'snapshot' && variablesOf(m).some((v) => v.name === 'host' && v.error !== undefined), 5000);
      const host = variablesOf(failed).find((v) => v.name === 'host')!;
      expect(host.error).to.deep.equal({ code: 'RTDASH_QUERY_FAILED', message: 'the query failed' });
      expect(host.options).to.deep.equal(['eu-1', 'eu-2']);
      expect(failed.vars).to.deep.equal({ region: 'eu', host: 'eu-1', service: 'api' });
      // Widgets still run and new viewers are still served, on the options before.
      await client.next((m) => m.type === 'update', 3000);
      const late = await subscribed(ts, { region: 'eu', host: 'eu-2' });
      clients.push(late.client);
      expect(late.snapshot.vars).to.deep.equal({ region: 'eu', host: 'eu-2', service: 'db' });
      const viewer = (await (await fetch(`${ts.server.url}/api/dashboards/qv/variables?var-region=eu`)).json()) as { variables: { name: string; error?: Record<string, string> }[] };
      expect(viewer.variables.find((v) => v.name === 'host')!.error).to.deep.equal({ code: 'RTDASH_QUERY_FAILED', message: 'the query failed' });
      const admin = (await (await fetch(`${ts.server.url}/api/dashboards/qv/variables?var-region=eu`, { headers: { Authorization: `Bearer ${ADMIN}` } })).json()) as typeof viewer;
      expect(admin.variables.find((v) => v.name === 'host')!.error!.detail).to.match(/division by zero/);
    } finally {
      await sql('UPDATE switch SET ok = 1');
    }
    const healed = await client.next((m) => m.type === 'snapshot' && variablesOf(m).every((v) => v.error === undefined), 5000);
    expect(optionsOf(healed, 'host')).to.deep.equal(['eu-1', 'eu-2']);
  });

  it('runs one options query per refresh for each set of parent values, however many viewers', async () => {
    const viewers = await Promise.all(Array.from({ length: 40 }, () => subscribed(ts, { region: 'us' })));
    clients.push(...viewers.map((v) => v.client));
    for (const v of viewers) expect(v.snapshot.vars).to.deep.equal({ region: 'us', host: 'us-1', service: 'cache' });
    const [regionsBefore, hostsBefore] = [await calls('regions'), await calls('hosts:us')];
    await sleep(4000);
    const regions = (await calls('regions')) - regionsBefore;
    const hosts = (await calls('hosts:us')) - hostsBefore;
    // 4 s at `refresh: 1s`: 4 reads, one more at most for where the ticks fall; 40 viewers would make 160.
    expect(regions).to.be.within(3, 5);
    expect(hosts).to.be.within(3, 5);
  });
});

describe('the query-variable example of docs/variables.md, as written', function () {
  this.timeout(30_000);
  const db = `rtdash_qvdoc_${process.pid}`;
  let ts: TestServer | undefined;
  let created = false;

  before(async function () {
    await needService(this, 'postgres');
  });

  after(async () => {
    await ts?.stop();
    if (created) await dropDatabase(db);
  });

  it('shows regions, then hosts, then services from the table', async () => {
    const { setup, dashboard } = variablesExample();
    created = true;
    await createDatabase(db, setup);
    ts = await startTestServer({ 'hosts.yaml': dashboard }, {}, false, { datasources: [{ name: 'shopdb', type: 'postgres', options: { url: databaseUrl(db) } }] });
    const client = await connect(ts.wsUrl);
    try {
      client.send({ type: 'subscribe', dashboard: 'hosts', vars: { region: 'eu' } });
      const snapshot = await client.nextOf('snapshot');
      expect(snapshot.vars).to.deep.equal({ region: 'eu', host: 'eu-1', service: 'api' });
      expect(optionsOf(snapshot, 'region')).to.deep.equal(['eu', 'us']);
      expect(optionsOf(snapshot, 'host')).to.deep.equal(['eu-1', 'eu-2']);
      expect(optionsOf(snapshot, 'service')).to.deep.equal(['api', 'web']);
      const rows = await client.next((m) => m.type === 'update' && JSON.stringify(m).includes('"api"'));
      expect(JSON.stringify(rows)).to.include('"eu-1"');
      client.send({ type: 'subscribe', dashboard: 'hosts' });
      expect((await client.nextOf('snapshot')).vars).to.deep.equal({ region: 'us', host: 'us-1', service: 'cache' });
    } finally {
      await client.close();
    }
  });
});
