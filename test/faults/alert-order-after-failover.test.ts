/**
 * Fault row "the alert leader dies with a notification queued, and the receiver was down": two real `rtdash serve`
 * instances on the shared Redis (a key prefix of their own). The old leader's "firing" stays in the outbox in Redis
 * and the new leader takes it over; the receiver comes back just as the alert resolves, so that "firing" either
 * goes first or is left out (the alert has moved on), and never arrives after the "resolved"; nor does anything
 * stale come from the old leader when it is back with its data folder: the receiver ends on the alert's current state.
 */
import { expect } from 'chai';
import { alertProject } from '../support/alert-project.js';
import { killCli, until, type ServedCli } from '../support/served-cli.js';
import { receiverSwitch } from '../support/switchable-receiver.js';
import { sleep } from '../support/test-server.js';

const LEADS = /now leads the alert engine/;
const leads = (child: ServedCli): boolean => child.logs().some((l) => LEADS.test(l.msg ?? ''));

describe('fault: the alert leader dies with a notification queued for a receiver that is down', function () {
  this.timeout(120_000);
  const sw = receiverSwitch(false);
  const fx = alertProject('order-failover', { redis: true, answer: sw.answer });

  it('never lets the old leader\'s "firing" arrive after the new leader\'s "resolved"', async () => {
    sw.up = false;
    const projectA = await fx.write({ rules: ['level-high'], leaseTtl: '2s' });
    const a = await fx.serve(projectA);
    await until('the first instance to lead', () => leads(a), 15_000);
    const projectB = await fx.write({ rules: ['level-high'], leaseTtl: '2s' });
    const b = await fx.serve(projectB);

    fx.source.set(9);
    await until('the leader to try the "firing" and fail', () => a.logs().some((l) => l.msg?.startsWith('notification delivery failed') === true), 20_000);
    await killCli(a);
    await until('the second instance to take over', () => leads(b), 15_000);

    sw.up = true;
    fx.source.set(1);
    await until('the new leader\'s "resolved" to arrive', () => sw.notifications(fx.receiver).some((n) => n.status === 'resolved'), 20_000);

    // The old leader comes back with its data folder: it follows, and has nothing of its own to send.
    const back = await fx.serve(projectA);
    await sleep(2000);
    const got = sw.notifications(fx.receiver).map((n) => n.status);
    expect(got.join(' '), fx.output()).to.be.oneOf(['resolved', 'firing resolved']);
    const leftOut = b.logs().some((l) => /whose alert has moved on|a newer notification of the same alert replaces/.test(l.msg ?? ''));
    expect(leftOut || got.length === 2, 'the new leader sent the old leader\'s "firing" first, or left it out').to.equal(true);
    expect(leads(back), 'the old leader follows').to.equal(false);
    const ids = sw.notifications(fx.receiver).map((n) => n.id);
    expect(new Set(ids).size).to.equal(ids.length);
  });
});
