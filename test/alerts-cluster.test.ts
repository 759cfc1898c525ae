/**
 * Two real `rtdash serve` instances on one real Redis (a key prefix of their own per test) and one real webhook
 * receiver: the instance holding the alert lease sends each notification, the other sends none; when the holder
 * is killed, the other takes over within the lease's ttl, from the state the holder saved, so it neither notifies
 * the firing alert again nor resolves it falsely, and sends its resolution exactly once. A graceful shutdown
 * hands the lease over at once, and a silence made on either instance mutes the notifications of the one leading.
 */
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { httpReceiver, type HttpReceiver } from '../core/alerts/notifiers/testing.js';
import { SERVICES, needService } from './support/services.js';
import { killCli, levelSource, serveCli, stopCli, until, waitReady, writeAlertProject, type LevelSource, type ServedCli } from './support/served-cli.js';
import { freePort } from './support/tcp-proxy.js';
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
  let dir: string;
  let prefix: string;
  let source: LevelSource;
  let receiver: HttpReceiver;
  let admin: Redis;
  let instances: Instance[] = [];

  /** Starts an instance on its own port and data folder, with the cluster section given. */
  const start = async (rules: string[], leaseTtl: string): Promise<Instance> => {
    const port = await freePort();
    const config = writeAlertProject({
      dir,
      port,
      sourcePort: source.port,
      hook: receiver.url,
      data: join(dir, `data-${port}`),
      rules,
      extra: `cluster:\n  redis: ${SERVICES.redis.url}\n  prefix: ${prefix}\n  lease_ttl: ${leaseTtl}\n`,
    });
    const url = `http://127.0.0.1:${port}`;
    const child = serveCli(config, dir);
    const instance = { child, url };
    instances.push(instance);
    await waitReady(child, url);
    return instance;
  };
  const output = () => instances.map((i, n) => `--- instance ${n}:\n${i.child.output()}`).join('\n');
  const alerts = async (i: Instance) => (await (await fetch(`${i.url}/api/alerts`)).json()) as { rule: string; state: string; silenced: boolean }[];

  before(async function () {
    await needService(this, 'redis');
    admin = new Redis(SERVICES.redis.url);
  });
  after(() => admin?.disconnect());

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rtdash-cluster-'));
    prefix = `rtdash-test-${randomUUID().slice(0, 8)}`;
    source = await levelSource(1);
    receiver = await httpReceiver();
  });

  afterEach(async () => {
    for (const i of instances) await killCli(i.child);
    instances = [];
    await receiver.close();
    await source.close();
    const keys = await admin.keys(`${prefix}:*`);
    if (keys.length > 0) await admin.del(...keys);
    rmSync(dir, { recursive: true, force: true });
  });

  it('notifies once with two instances; when the leader is SIGKILLed the other takes over within the ttl and resolves exactly once', async () => {
    const ttlMs = 2000;
    const a = await start(['level-high'], '2s');
    await until('the first instance to lead', () => ledAt(a) !== undefined, 15_000);
    const b = await start(['level-high'], '2s');

    source.set(9);
    await Promise.race([receiver.waitFor(1), sleep(20_000).then(() => Promise.reject(new Error(`no notification; ${output()}`)))]);
    await until('the follower to see the alert firing too', async () => (await alerts(b))[0]?.state === 'firing', 15_000);
    await sleep(1500);
    expect(received(receiver), output()).to.deep.equal(['level-high firing']);
    expect(ledAt(b), 'the second instance follows').to.equal(undefined);
    const followerHistory = (await (await fetch(`${b.url}/api/alerts/history`)).json()) as { kind: string }[];
    expect(followerHistory.map((h) => h.kind), 'the follower shows the history the leader saved').to.deep.equal(['firing']);
    expect(await admin.get(`${prefix}:alerts:leader`)).to.be.a('string');

    const killedAt = Date.now();
    await killCli(a.child);
    await until('the second instance to take over', () => ledAt(b) !== undefined, 15_000);
    const tookMs = ledAt(b)! - killedAt;
    expect(tookMs, `took over ${tookMs} ms after the kill`).to.be.at.most(ttlMs + 1000); // the ttl, and some slack for a busy machine
    // It took over from the saved state: the firing alert is neither notified again nor resolved.
    await sleep(1500);
    expect(received(receiver), output()).to.deep.equal(['level-high firing']);
    expect((await alerts(b)).map((x) => x.state)).to.deep.equal(['firing']);

    source.set(1);
    await Promise.race([receiver.waitFor(2), sleep(20_000).then(() => Promise.reject(new Error(`no resolved notification; ${output()}`)))]);
    await sleep(1500);
    expect(received(receiver), output()).to.deep.equal(['level-high firing', 'level-high resolved']);
    const history = (await (await fetch(`${b.url}/api/alerts/history`)).json()) as { kind: string }[];
    expect(history.map((h) => h.kind)).to.deep.equal(['resolved', 'firing']);
    const saved = JSON.parse((await admin.get(`${prefix}:alerts`))!) as { alerts: Record<string, Record<string, { state: string }>> };
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

    source.set(9);
    await until('both alerts to fire on the leader', async () => (await alerts(a)).filter((x) => x.state === 'firing').length === 2, 15_000);
    await receiver.waitFor(1);
    await sleep(1500);
    expect(received(receiver), output()).to.deep.equal(['loud-high firing']);
    expect((await alerts(a)).find((x) => x.rule === 'quiet-high')?.silenced).to.equal(true);

    const stoppedAt = Date.now();
    await stopCli(a.child);
    expect(a.child.logs().some((l) => l.msg === 'released the lease'), output()).to.equal(true);
    await until('the second instance to take over', () => ledAt(b) !== undefined, 15_000);
    expect(ledAt(b)! - stoppedAt, 'well before the 10 s ttl runs out').to.be.lessThan(6000);

    source.set(1);
    await Promise.race([receiver.waitFor(2), sleep(20_000).then(() => Promise.reject(new Error(`no resolved notification; ${output()}`)))]);
    await sleep(1500);
    expect(received(receiver), output()).to.deep.equal(['loud-high firing', 'loud-high resolved']);
  });
});
