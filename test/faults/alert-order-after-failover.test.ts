/**
 * Fault row "the alert leader dies with a notification queued, and the receiver was down": two real `rtdash serve`
 * instances on the shared Redis (a key prefix of their own). The old leader's "firing" stays in its outbox; the new
 * leader sends the "resolved"; when the old one comes back with its data folder, its stale "firing" must not
 * arrive after that "resolved": the receiver ends on the alert's current state.
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

  it('drops the old leader\'s stale "firing" once the new leader has sent "resolved"', async () => {
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

    // The old leader comes back with its data folder, and with it the "firing" it never delivered.
    const back = await fx.serve(projectA);
    // Notifications delivered are logged at debug level only: a stale "firing" that got through shows at the receiver.
    await until('the old leader\'s outbox to leave out its stale entry', () => back.logs().some((l) => /whose alert has moved on/.test(l.msg ?? '')), 20_000).catch(() => undefined);
    await sleep(1000);
    const got = sw.notifications(fx.receiver).map((n) => n.status);
    expect(got, fx.output()).to.deep.equal(['resolved']);
    expect(back.logs().some((l) => /whose alert has moved on/.test(l.msg ?? '')), 'the old leader left its "firing" out').to.equal(true);
    const ids = sw.notifications(fx.receiver).map((n) => n.id);
    expect(new Set(ids).size).to.equal(ids.length);
  });
});
