/**
 * Acknowledgements on the real `rtdash serve` process with a real webhook receiver, on rules that repeat every
 * second: one made over the API is in alerts.json before the API answers, so after a SIGKILL and a restart the
 * alert still sends no repeats, its resolution is sent exactly once, and the acknowledgement ends with it. With
 * two instances on one real Redis (a key prefix of their own per test), one posted to the follower stops the
 * leader's repeats, and the follower still honours it once it has taken over.
 */
import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HttpReceiver } from '../core/alerts/notifiers/testing.js';
import { alertProject, type WrittenProject } from './support/alert-project.js';
import { killCli, until, type ServedCli } from './support/served-cli.js';
import { sleep } from './support/test-server.js';

interface Group {
  notifications: { status: string; rule: string; repeat: number }[];
}

interface AlertBody {
  id: string;
  state: string;
  acknowledged: boolean;
}

/** Each notification received, as `status repeat` (`firing 0`, `firing 2`, `resolved 0`). */
function received(receiver: HttpReceiver): string[] {
  return receiver.requests.flatMap((r) => (JSON.parse(r.body) as Group).notifications.map((n) => `${n.status} ${n.repeat}`));
}

const isRepeat = (n: string): boolean => /^firing [1-9]/.test(n);
const alerts = async (url: string): Promise<AlertBody[]> => (await (await fetch(`${url}/api/alerts`)).json()) as AlertBody[];
const acknowledge = (url: string, id: string): Promise<Response> => fetch(`${url}/api/alerts/${encodeURIComponent(id)}/ack`, { method: 'POST' });

describe('acknowledgements across a restart (rtdash serve)', function () {
  this.timeout(120_000);
  const fx = alertProject('acks');
  let project: WrittenProject;
  const serve = (): Promise<ServedCli> => fx.serve(project);
  /** The alert ids acknowledged in alerts.json. */
  const savedAcks = (): string[] => {
    const file = join(project.data, 'alerts.json');
    if (!existsSync(file)) return [];
    return ((JSON.parse(readFileSync(file, 'utf8')) as { acknowledgements?: { id: string }[] }).acknowledgements ?? []).map((a) => a.id);
  };

  beforeEach(async () => {
    project = await fx.write({ rules: ['level-high'], repeat: '1s', data: join(fx.dir, 'data') });
  });

  it('keeps an acknowledgement across a SIGKILL: no repeats while it stands, one resolved, and it ends with its alert', async () => {
    const first = await serve();
    fx.source.set(9);
    await until('the firing alert to repeat', () => received(fx.receiver).some(isRepeat), 20_000);

    const unknown = await acknowledge(project.url, 'no-such-rule{host="x"}');
    expect(unknown.status).to.equal(404);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).to.equal('no firing alert "no-such-rule{host="x"}"');
    const acked = await fetch(`${project.url}/api/alerts/level-high/ack`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ reason: 'disk swap under way' }) });
    expect(acked.status).to.equal(200);
    // Who and why: no sign-in here, so whoever holds the admin route (here, this machine) counts as the admin token.
    expect(await acked.json()).to.include({ id: 'level-high', state: 'firing', acknowledged: true, acknowledgedBy: 'admin token', acknowledgeReason: 'disk swap under way' });
    // No graceful shutdown: the acknowledgement must be on disk once the API has answered.
    expect(savedAcks()).to.deep.equal(['level-high']);
    await sleep(300); // a repeat already on its way when the acknowledgement came
    await killCli(first);
    const before = received(fx.receiver).length;

    await serve();
    expect((await alerts(project.url)).map((a) => [a.id, a.state, a.acknowledged])).to.deep.equal([['level-high', 'firing', true]]);
    expect((await alerts(project.url))[0]).to.include({ acknowledgedBy: 'admin token', acknowledgeReason: 'disk swap under way' });
    const history = (await (await fetch(`${project.url}/api/alerts/history`)).json()) as { kind: string; comment?: string }[];
    expect(history.filter((h) => h.kind === 'acknowledged').map((h) => h.comment)).to.deep.equal(['disk swap under way']);
    await sleep(3500); // three repeat intervals
    expect(received(fx.receiver).slice(before), fx.output()).to.deep.equal([]);

    fx.source.set(1);
    await until('the resolved notification', () => received(fx.receiver).includes('resolved 0'), 20_000);
    await sleep(1500);
    expect(received(fx.receiver).slice(before), fx.output()).to.deep.equal(['resolved 0']);
    await until('the acknowledgement to leave alerts.json', () => savedAcks().length === 0);

    // It ended with its alert: the next firing repeats again.
    fx.source.set(9);
    await until('the next firing to repeat', () => received(fx.receiver).slice(before).some(isRepeat), 20_000);
    expect((await alerts(project.url))[0]?.acknowledged).to.equal(false);
  });
});

describe('acknowledgements with two instances on one Redis (rtdash serve ×2)', function () {
  this.timeout(180_000);
  const fx = alertProject('acks-cluster', { redis: true });

  /** Starts an instance on its own port and data folder; resolves with its process and URL. */
  const start = async (): Promise<{ child: ServedCli; url: string }> => {
    const project = await fx.write({ rules: ['level-high'], repeat: '1s', leaseTtl: '2s' });
    return { child: await fx.serve(project), url: project.url };
  };
  const leads = (child: ServedCli): boolean => child.logs().some((l) => /now leads the alert engine/.test(l.msg ?? ''));

  it('stops the leader’s repeats with an acknowledgement posted to the follower, also once the follower leads', async () => {
    const a = await start();
    await until('the first instance to lead', () => leads(a.child), 15_000);
    const b = await start();

    fx.source.set(9);
    await until('the leader to repeat the firing alert', () => received(fx.receiver).some(isRepeat), 20_000);
    await until('the follower to see the alert firing', async () => (await alerts(b.url))[0]?.state === 'firing', 15_000);
    expect(leads(b.child), 'the second instance follows').to.equal(false);

    const acked = await acknowledge(b.url, 'level-high');
    expect(acked.status, fx.output()).to.equal(200);
    expect(await fx.admin.hkeys(`${fx.prefix}:acknowledgements`), 'stored in Redis before the answer').to.deep.equal(['level-high']);
    await until('the leader to show it acknowledged', async () => (await alerts(a.url))[0]?.acknowledged === true);
    await sleep(300); // a repeat already on its way when the acknowledgement came
    const before = received(fx.receiver).length;
    await sleep(3500); // three repeat intervals
    expect(received(fx.receiver).slice(before), fx.output()).to.deep.equal([]);

    // The follower takes over from the saved state and still honours it.
    await killCli(a.child);
    await until('the second instance to take over', () => leads(b.child), 15_000);
    await sleep(2500);
    expect(received(fx.receiver).slice(before), fx.output()).to.deep.equal([]);

    fx.source.set(1);
    await until('the resolved notification', () => received(fx.receiver).includes('resolved 0'), 20_000);
    await sleep(1500);
    expect(received(fx.receiver).slice(before), fx.output()).to.deep.equal(['resolved 0']);
    await until('the acknowledgement to leave Redis', async () => (await fx.admin.hlen(`${fx.prefix}:acknowledgements`)) === 0);
  });
});
