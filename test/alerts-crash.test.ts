/**
 * A crash with a notification in the outbox, on the real `rtdash serve` process: the server fires a rule on
 * an `http` source, its receiver hangs on the first try (so the entry stays in the outbox), the process is
 * killed with SIGKILL, and a new process on the same config and data folder delivers that notification,
 * with the same delivery id, exactly once, without notifying the transition again, and lists the alert as
 * firing.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpReceiver, type HttpReceiver } from '../core/alerts/notifiers/testing.js';
import { killCli, levelSource, serveCli, waitReady, writeAlertProject, type LevelSource, type ServedCli } from './support/served-cli.js';
import { freePort } from './support/tcp-proxy.js';
import { sleep } from './support/test-server.js';

interface Group {
  group: { id: string; rule: string; status: string };
  notifications: { status: string; state: string; rule: string; startsAt: string }[];
}

describe('alerts across a crash (rtdash serve killed with SIGKILL)', function () {
  this.timeout(60_000);
  let dir: string;
  let source: LevelSource;
  let receiver: HttpReceiver | undefined;
  let first: ServedCli | undefined;
  let second: ServedCli | undefined;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'rtdash-crash-'));
    // The data the http source reads: always above the threshold.
    source = await levelSource(9);
  });

  afterEach(async () => {
    await killCli(first);
    await killCli(second);
    first = second = undefined;
    await receiver?.close();
    receiver = undefined;
    await source.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers a notification left in the outbox after a restart, with the same delivery id, exactly once', async () => {
    let hanging = true;
    let accepted = 0;
    receiver = await httpReceiver((_n, res) => {
      if (hanging) return 'hang';
      res.statusCode = 200;
      res.end('ok');
      accepted++;
    });
    const port = await freePort();
    const data = join(dir, 'data');
    const config = writeAlertProject({ dir, port, sourcePort: source.port, hook: receiver.url, data, rules: ['crash-high'], timeout: '1s' });
    const url = `http://127.0.0.1:${port}`;

    first = serveCli(config, dir);
    await waitReady(first, url);
    await Promise.race([receiver.waitFor(1), sleep(10_000).then(() => Promise.reject(new Error(`no first notification; rtdash said: ${first!.output()}`)))]);
    first.process.kill('SIGKILL');
    await first.exited;
    // What the killed process had saved of the alert state, for the failure messages below.
    const stateFile = join(data, 'alerts.json');
    const savedState = existsSync(stateFile) ? readFileSync(stateFile, 'utf8') : '(no alerts.json)';
    const firstDelivery = receiver.requests[0]!.headers['x-rtdash-delivery'];
    const firstBody = JSON.parse(receiver.requests[0]!.body) as Group;
    expect(firstBody.group.status).to.equal('firing');
    expect(firstDelivery).to.equal(firstBody.group.id);
    expect(receiver.requests, 'one try before the crash').to.have.length(1);

    hanging = false;
    second = serveCli(config, dir);
    await waitReady(second, url);
    await Promise.race([receiver.waitFor(2), sleep(10_000).then(() => Promise.reject(new Error(`no delivery after the restart; rtdash said: ${second!.output()}`)))]);
    expect(receiver.requests[1]!.headers['x-rtdash-delivery'], 'the same delivery as before the crash').to.equal(firstDelivery);
    expect(JSON.parse(receiver.requests[1]!.body)).to.deep.equal(firstBody);

    // Nothing more may come: the restored state must not notify the same firing again.
    await sleep(3000);
    const groups = receiver.requests.map((r) => JSON.parse(r.body) as Group);
    const firingGroups = new Set(groups.filter((g) => g.group.status === 'firing').map((g) => g.group.id));
    expect(
      [...firingGroups].length,
      `one firing group for one transition; got ${receiver.requests.length} requests: ${receiver.requests.map((r) => r.body).join('\n')}\nalerts.json at the crash: ${savedState}`,
    ).to.equal(1);
    expect(accepted, 'accepted (2xx) exactly once').to.equal(1);
    expect(receiver.requests).to.have.length(2);

    const alerts = (await (await fetch(`${url}/api/alerts`)).json()) as { rule: string; state: string }[];
    expect(alerts.map((a) => [a.rule, a.state])).to.deep.equal([['crash-high', 'firing']]);
  });
});
