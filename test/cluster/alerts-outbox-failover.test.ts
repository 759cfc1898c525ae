/**
 * The notification outbox in Redis, on three real `rtdash serve` instances with one alert rule on one Redis prefix,
 * each with a data folder of its own (nothing is shared through a disk): the instance holding the alert lease sends
 * one notification per transition, in order; and a notification the leader accepted while its receiver was down
 * is not lost with the leader: when it is SIGKILLed, the next leader delivers it once the receiver is back,
 * exactly once, and then the resolution.
 */
import { expect } from 'chai';
import { alertProject } from '../support/alert-project.js';
import { killCli, until, type ServedCli } from '../support/served-cli.js';
import { receiverSwitch } from '../support/switchable-receiver.js';
import { sleep } from '../support/test-server.js';

const LEADS = /now leads the alert engine/;
const leads = (child: ServedCli): boolean => child.logs().some((l) => LEADS.test(l.msg ?? ''));

describe('the notification outbox in Redis with three instances (rtdash serve ×3)', function () {
  this.timeout(180_000);
  const sw = receiverSwitch(true);
  const fx = alertProject('outbox-failover', { redis: true, answer: sw.answer });

  /** Starts three instances on the rule, the first one leading; each has its own data folder. */
  const three = async (): Promise<ServedCli[]> => {
    const projects = [];
    for (let i = 0; i < 3; i++) projects.push(await fx.write({ rules: ['level-high'], leaseTtl: '2s' }));
    expect(new Set(projects.map((p) => p.data)).size, 'a data folder each').to.equal(3);
    const first = await fx.serve(projects[0]!);
    await until('the first instance to lead', () => leads(first), 15_000);
    return [first, await fx.serve(projects[1]!), await fx.serve(projects[2]!)];
  };
  /** The instance whose lease value (`host:pid:random`) is in the lease key. */
  const holder = async (among: ServedCli[]): Promise<ServedCli> => {
    const value = (await fx.admin.get(`${fx.prefix}:alerts:leader`)) ?? '';
    const found = among.find((c) => value.includes(`:${c.process.pid}:`));
    if (found === undefined) throw new Error(`no instance holds the lease (${value})`);
    return found;
  };
  const statuses = (): string[] => sw.notifications(fx.receiver).map((n) => n.status);
  const arrives = (what: string, count: number) => until(what, () => statuses().length >= count, 20_000).catch((err: Error) => Promise.reject(new Error(`${err.message}; got ${JSON.stringify(statuses())}\n${fx.output()}`)));

  it('sends one notification per transition, in order, whichever instance evaluates', async () => {
    await three();
    fx.source.set(9);
    await arrives('the "firing"', 1);
    fx.source.set(1);
    await arrives('the "resolved"', 2);
    fx.source.set(9);
    await arrives('the second "firing"', 3);
    await sleep(1500);
    expect(statuses(), fx.output()).to.deep.equal(['firing', 'resolved', 'firing']);
    const ids = sw.accepted(fx.receiver).map((r) => r.headers['x-rtdash-delivery']);
    expect(new Set(ids).size, 'a delivery id each').to.equal(3);
    expect(await fx.admin.hlen(`${fx.prefix}:outbox`), 'nothing left in the outbox').to.equal(0);
  });

  it('delivers the "firing" a SIGKILLed leader accepted while the receiver was down, exactly once, then the "resolved"', async () => {
    sw.up = false;
    const all = await three();
    fx.source.set(9);
    const failed = (c: ServedCli): boolean => c.logs().some((l) => l.msg?.startsWith('notification delivery failed') === true);
    await until('the leader to try the "firing" and fail', () => all.some(failed), 20_000);
    // The instance holding the lease now (on a busy machine it need not be the first one any more).
    const leader = await holder(all);
    const killedAt = Date.now();
    await killCli(leader);
    const others = all.filter((c) => c !== leader);
    await until('another instance to take over', () => others.some((c) => c.logs().some((l) => LEADS.test(l.msg ?? '') && l.time >= killedAt)), 15_000);

    sw.up = true;
    await arrives('the "firing" through the new leader', 1);
    // Tried again after the takeover, it must not come twice: one leader sends, and it removed the entry.
    await sleep(2500);
    expect(statuses(), fx.output()).to.deep.equal(['firing']);
    fx.source.set(1);
    await arrives('the "resolved"', 2);
    await sleep(1500);
    expect(statuses(), fx.output()).to.deep.equal(['firing', 'resolved']);
    const ids = sw.accepted(fx.receiver).map((r) => r.headers['x-rtdash-delivery']);
    expect(new Set(ids).size, 'a delivery id each').to.equal(2);
    expect(others, 'the lease is held by a surviving instance').to.include(await holder(others));
    expect(await fx.admin.hlen(`${fx.prefix}:outbox`), 'nothing left in the outbox').to.equal(0);
  });
});
