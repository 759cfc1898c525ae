/**
 * Two real `rtdash serve` instances on one real Redis (a key prefix of their own per test) and one real webhook
 * receiver: the instance holding the alert lease sends each notification, the other sends none; when the holder
 * is killed, the other takes over within the lease's ttl, from the state the holder saved, so it neither notifies
 * the firing alert again nor resolves it falsely, and sends its resolution exactly once. A graceful shutdown
 * hands the lease over at once, and a silence made on either instance mutes the notifications of the one leading.
 */
import { expect } from 'chai';
import type { HttpReceiver } from '../core/alerts/notifiers/testing.js';
import { alertProject } from './support/alert-project.js';
import { killCli, stopCli, until, type ServedCli } from './support/served-cli.js';
import { sleep } from './support/test-server.js';

interface Group {
  group: { id: string; status: string };
  notifications: { status: string; rule: string }[];
}

/** One instance: its process and URL. */
interface Instance {
  child: ServedCli;
  url: string;
}

const LEADS = /now leads the alert engine/;

/** Each notification received, as `rule status`. */
function received(receiver: HttpReceiver): string[] {
  return receiver.requests.flatMap((r) => (JSON.parse(r.body) as Group).notifications.map((n) => `${n.rule} ${n.status}`));
}

/** When the instance logged that it leads, or undefined. */
function ledAt(instance: Instance): number | undefined {
  return instance.child.logs().find((l) => LEADS.test(l.msg ?? ''))?.time;
}

describe('alerts with two instances on one Redis (rtdash serve ×2)', function () {
  this.timeout(180_000);
  const fx = alertProject('cluster', { redis: true });

  /** Starts an instance on its own port and data folder, with the cluster section given. */
  const start = async (rules: string[], leaseTtl: string): Promise<Instance> => {
    const project = await fx.write({ rules, leaseTtl });
    return { child: await fx.serve(project), url: project.url };
  };
  const alerts = async (i: Instance) => (await (await fetch(`${i.url}/api/alerts`)).json()) as { rule: string; state: string; silenced: boolean }[];

  it('notifies once with two instances; when the leader is SIGKILLed the other takes over within the ttl and resolves exactly once', async () => {
    const ttlMs = 2000;
    const a = await start(['level-high'], '2s');
    await until('the first instance to lead', () => ledAt(a) !== undefined, 15_000);
    const b = await start(['level-high'], '2s');

    fx.source.set(9);
    await Promise.race([fx.receiver.waitFor(1), sleep(20_000).then(() => Promise.reject(new Error(`no notification; ${fx.output()}`)))]);
    await until('the follower to see the alert firing too', async () => (await alerts(b))[0]?.state === 'firing', 15_000);
    await sleep(1500);
    expect(received(fx.receiver), fx.output()).to.deep.equal(['level-high firing']);
    expect(ledAt(b), 'the second instance follows').to.equal(undefined);
    const followerHistory = (await (await fetch(`${b.url}/api/alerts/history`)).json()) as { kind: string }[];
    expect(followerHistory.map((h) => h.kind), 'the follower shows the history the leader saved').to.deep.equal(['firing']);
    expect(await fx.admin.get(`${fx.prefix}:alerts:leader`)).to.be.a('string');

    const killedAt = Date.now();
    await killCli(a.child);
    await until('the second instance to take over', () => ledAt(b) !== undefined, 15_000);
    const tookMs = ledAt(b)! - killedAt;
    expect(tookMs, `took over ${tookMs} ms after the kill`).to.be.at.most(ttlMs + 1000); // the ttl, and some slack for a busy machine
    // It took over from the saved state: the firing alert is neither notified again nor resolved.
    await sleep(1500);
    expect(received(fx.receiver), fx.output()).to.deep.equal(['level-high firing']);
    expect((await alerts(b)).map((x) => x.state)).to.deep.equal(['firing']);

    fx.source.set(1);
    await Promise.race([fx.receiver.waitFor(2), sleep(20_000).then(() => Promise.reject(new Error(`no resolved notification; ${fx.output()}`)))]);
    await sleep(1500);
    expect(received(fx.receiver), fx.output()).to.deep.equal(['level-high firing', 'level-high resolved']);
    const history = (await (await fetch(`${b.url}/api/alerts/history`)).json()) as { kind: string }[];
    expect(history.map((h) => h.kind)).to.deep.equal(['resolved', 'firing']);
    const saved = JSON.parse((await fx.admin.get(`${fx.prefix}:alerts`))!) as { alerts: Record<string, Record<string, { state: string }>> };
    expect(saved.alerts['level-high']?.['']?.state).to.be.oneOf(['resolved', 'ok']);
  });

  it('hands the lease over at once on SIGTERM, and a silence made on the follower mutes the leader', async () => {
    const a = await start(['quiet-high', 'loud-high'], '10s');
    await until('the first instance to lead', () => ledAt(a) !== undefined, 15_000);
    const b = await start(['quiet-high', 'loud-high'], '10s');

    const made = await fetch(`${b.url}/api/silences`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ matchers: { rule: 'quiet-high' }, ends_at: new Date(Date.now() + 3_600_000).toISOString() }),
    });
    expect(made.status).to.equal(201);
    const silence = (await made.json()) as { id: string };
    await until('the leader to list the silence', async () => ((await (await fetch(`${a.url}/api/silences`)).json()) as { id: string }[]).some((s) => s.id === silence.id));

    fx.source.set(9);
    await until('both alerts to fire on the leader', async () => (await alerts(a)).filter((x) => x.state === 'firing').length === 2, 15_000);
    await fx.receiver.waitFor(1);
    await sleep(1500);
    expect(received(fx.receiver), fx.output()).to.deep.equal(['loud-high firing']);
    expect((await alerts(a)).find((x) => x.rule === 'quiet-high')?.silenced).to.equal(true);

    const stoppedAt = Date.now();
    await stopCli(a.child);
    expect(a.child.logs().some((l) => l.msg === 'released the lease'), fx.output()).to.equal(true);
    await until('the second instance to take over', () => ledAt(b) !== undefined, 15_000);
    expect(ledAt(b)! - stoppedAt, 'well before the 10 s ttl runs out').to.be.lessThan(6000);

    fx.source.set(1);
    await Promise.race([fx.receiver.waitFor(2), sleep(20_000).then(() => Promise.reject(new Error(`no resolved notification; ${fx.output()}`)))]);
    await sleep(1500);
    expect(received(fx.receiver), fx.output()).to.deep.equal(['loud-high firing', 'loud-high resolved']);
  });
});
