/**
 * Fault row "the webhook receiver is down for several alert cycles, then returns": on one instance, with a real
 * receiver on loopback. When it is back it must end on each alert's current state, and get no transition twice
 * (the retries of older notifications, each with its own growing pause, used to arrive after newer ones).
 */
import { expect } from 'chai';
import { httpReceiver, type HttpReceiver } from '../../core/alerts/notifiers/testing.js';
import { levelDashboard } from '../support/alert-dashboard.js';
import { until } from '../support/served-cli.js';
import { receiverSwitch } from '../support/switchable-receiver.js';
import { levels } from '../support/test-plugin.js';
import { sleep, startTestServer, type TestServer } from '../support/test-server.js';

describe('fault: the alert receiver is down for several cycles, then returns', function () {
  this.timeout(90_000);
  let receiver: HttpReceiver | undefined;
  let server: TestServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
    await receiver?.close();
    levels.delete('outage');
  });

  it('ends on the alert\'s current state, with nothing sent twice', async () => {
    const sw = receiverSwitch(false);
    receiver = await httpReceiver(sw.answer);
    levels.set('outage', 1);
    server = await startTestServer({ 'outage.yaml': levelDashboard('outage', 'when: "last() > 5"\nnotify: [hook]') }, {}, false, {
      notifiers: { hook: { type: 'webhook', timeoutMs: 2000, options: { url: receiver.url } } },
    });
    const state = async (): Promise<string> => {
      const list = (await (await fetch(`${server!.server.url}/api/alerts`)).json()) as { rule: string; state: string }[];
      return list.find((a) => a.rule === 'outage-high')?.state ?? 'ok';
    };
    // Three cycles while the receiver is down, each long enough for the retries of the older ones to spread out.
    for (let cycle = 0; cycle < 3; cycle++) {
      levels.set('outage', 9);
      await until('the alert to fire', async () => (await state()) === 'firing');
      await sleep(1000);
      levels.set('outage', 1);
      await until('the alert to resolve', async () => (await state()) !== 'firing');
      await sleep(1000);
    }
    expect(sw.accepted(receiver), 'nothing got through while the receiver was down').to.deep.equal([]);
    expect(receiver.requests.length, 'it was tried while down').to.be.greaterThan(3);

    sw.up = true;
    await until('the receiver to get a notification', () => sw.accepted(receiver!).length > 0, 30_000);
    await sleep(20_000); // the longest retry pause any older notification had reached
    const got = sw.notifications(receiver);
    expect(got.at(-1)?.status, `received ${JSON.stringify(got.map((n) => n.status))}`).to.equal('resolved');
    expect(await state()).to.not.equal('firing');
    const ids = got.map((n) => n.id);
    expect(new Set(ids).size, 'one delivery per transition').to.equal(ids.length);
  });
});
