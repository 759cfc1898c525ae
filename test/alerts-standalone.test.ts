/**
 * Rules of the alerts folder, end to end on a real server with a real webhook receiver on loopback: a rule on a
 * dashboard's widget belongs to that dashboard (its summary, webhook body, API listing and filter, the
 * dashboard's stream and silences by `dashboard` all say so), a rule with a query of its own belongs to none,
 * and every notification and history entry carries the rule's labels and the state the alert moved to.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { httpReceiver, type HttpReceiver } from '../core/alerts/notifiers/testing.js';
import { levels } from './support/test-plugin.js';
import { sleep, startTestServer, type TestServer } from './support/test-server.js';
import { connect } from './support/ws-client.js';

interface Sent {
  status: string;
  state: string;
  rule: string;
  dashboard?: string;
  summary: string;
  labels: Record<string, string>;
}

/** Every notification a receiver got, in order. */
function received(receiver: HttpReceiver): Sent[] {
  return receiver.requests.flatMap((r) => (JSON.parse(r.body) as { notifications: Sent[] }).notifications);
}

async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

const DASHBOARD = `id: sa
title: Standalone rules
widgets:
  - { id: level, title: Level, type: line, source: test, query: { behave: level, tag: sa }, every: 100ms, keep: 100 }
`;

// sa-high and sa-quiet watch the dashboard's widget; sa-own runs a query of its own and belongs to no dashboard.
const RULES = `alerts:
  - name: sa-high
    dashboard: sa
    widget: level
    when: "last() > 5"
    labels: { team: newcomer }
    summary: "level {{ value }} on {{ dashboard }} for {{ labels.team }}"
    notify: [hook]
  - name: sa-quiet
    dashboard: sa
    widget: level
    when: "last() > 5"
    labels: { team: quiet }
    notify: [hook]
  - name: sa-own
    source: test
    query: { behave: level, tag: sa }
    every: 100ms
    when: "last() > 5"
    labels: { team: quiet }
    summary: "own {{ value }} on '{{ dashboard }}'"
    notify: [hook]
`;

describe('alert rules of the alerts folder (real webhook receiver)', function () {
  this.timeout(30_000);
  let receiver: HttpReceiver | undefined;
  let server: TestServer | undefined;
  let scratch: string;

  beforeEach(() => {
    scratch = mkdtempSync(join(tmpdir(), 'rtdash-alerts-standalone-'));
  });
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    await receiver?.close();
    levels.clear();
    rmSync(scratch, { recursive: true, force: true });
  });

  it('links a rule on a dashboard\'s widget to that dashboard, and sends the rule\'s labels and the state moved to', async () => {
    receiver = await httpReceiver();
    const alertsDir = join(scratch, 'alerts');
    mkdirSync(alertsDir);
    writeFileSync(join(alertsDir, 'sa.yaml'), RULES);
    levels.set('sa', 1);
    server = await startTestServer({ 'sa.yaml': DASHBOARD }, {}, false, {
      notifiers: { hook: { type: 'webhook', timeoutMs: 2000, options: { url: receiver.url } } },
      storageDir: join(scratch, 'data'),
      alertsDir,
    });
    const url = server.server.url;
    const get = async <T>(path: string): Promise<T> => (await (await fetch(`${url}${path}`)).json()) as T;
    const silence = await fetch(`${url}/api/silences`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ matchers: { dashboard: 'sa', team: 'quiet' }, ends_at: new Date(Date.now() + 60_000).toISOString() }),
    });
    expect(silence.status).to.equal(201);

    const client = await connect(server.wsUrl);
    try {
      client.send({ type: 'subscribe', dashboard: 'sa' });
      await client.nextOf('snapshot');
      expect((await client.nextOf('alerts')).alerts, 'a dashboard with rules only in the alerts folder still gets its alerts message').to.deep.equal([]);
      levels.set('sa', 9);
      const firing = await client.next((m) => m.type === 'alerts' && (m.alerts as { state: string }[]).filter((a) => a.state === 'firing').length === 2);
      const shown = (firing.alerts as { rule: string; dashboard?: string; silenced: boolean }[]).map((a) => [a.rule, a.dashboard, a.silenced]).sort();
      expect(shown).to.deep.equal([['sa-high', 'sa', false], ['sa-quiet', 'sa', true]]);
    } finally {
      await client.close();
    }

    await receiver.waitFor(2);
    await sleep(500); // sa-quiet is silenced by its dashboard: nothing from it comes later
    const fired = received(receiver).sort((a, b) => a.rule.localeCompare(b.rule));
    expect(fired.map((n) => n.rule)).to.deep.equal(['sa-high', 'sa-own']);
    expect(fired[0]).to.deep.include({ status: 'firing', state: 'firing', dashboard: 'sa', summary: 'level 9 on sa for newcomer', labels: { team: 'newcomer' } });
    expect(fired[1]).to.deep.include({ status: 'firing', state: 'firing', summary: "own 9 on ''", labels: { team: 'quiet' } });
    expect(fired[1], 'a rule with a query of its own belongs to no dashboard').to.not.have.property('dashboard');

    const listed = await get<{ rule: string; dashboard?: string }[]>('/api/alerts');
    expect(listed.map((a) => [a.rule, a.dashboard ?? null]).sort()).to.deep.equal([['sa-high', 'sa'], ['sa-own', null], ['sa-quiet', 'sa']]);
    expect((await get<{ rule: string }[]>('/api/alerts?dashboard=sa')).map((a) => a.rule).sort()).to.deep.equal(['sa-high', 'sa-quiet']);

    levels.set('sa', 1);
    await until('the resolved notifications', () => received(receiver!).filter((n) => n.status === 'resolved').length === 2);
    const resolved = received(receiver).filter((n) => n.status === 'resolved').map((n) => [n.rule, n.state, n.dashboard ?? null, n.labels]).sort();
    expect(resolved).to.deep.equal([
      ['sa-high', 'resolved', 'sa', { team: 'newcomer' }],
      ['sa-own', 'resolved', null, { team: 'quiet' }],
    ]);
    const history = await get<{ rule: string; kind: string; dashboard?: string; labels: Record<string, string> }[]>('/api/alerts/history?rule=sa-high');
    expect(history.map((t) => [t.kind, t.dashboard, t.labels])).to.deep.equal([
      ['resolved', 'sa', { team: 'newcomer' }],
      ['firing', 'sa', { team: 'newcomer' }],
    ]);
  });
});
