/**
 * Fault row "Redis restarts without persistence while an alert fires" (`cluster.redis`, alert state in Redis):
 * everything Redis held is gone, the alert state and the lease with it. The instance leading must neither notify
 * the firing alert again nor lose its resolution. Runs on a redis-server of its own, restarted by the test.
 */
import { expect } from 'chai';
import { alertProject } from '../support/alert-project.js';
import { usePrivateRedis } from '../support/private-redis.js';
import { until, type ServedCli } from '../support/served-cli.js';
import { sleep } from '../support/test-server.js';

const LEADS = /now leads the alert engine/;
const leadCount = (child: ServedCli): number => child.logs().filter((l) => LEADS.test(l.msg ?? '')).length;

describe('fault: Redis restarts without persistence while an alert fires', function () {
  this.timeout(120_000);
  const fx = alertProject('redis-restart');
  const privateRedis = usePrivateRedis();

  const received = (): string[] => fx.receiver.requests.flatMap((r) => (JSON.parse(r.body) as { notifications: { rule: string; status: string }[] }).notifications.map((n) => `${n.rule} ${n.status}`));

  it('neither notifies the firing alert again nor loses its resolution', async () => {
    const redis = privateRedis();
    const project = await fx.write({ rules: ['level-high'], leaseTtl: '2s', redis: redis.url });
    const child = await fx.serve(project);
    await until('the instance to lead', () => leadCount(child) === 1, 15_000);
    fx.source.set(9);
    await until('the firing notification', () => received().length === 1, 20_000);

    await redis.restart();
    await until('the instance to lead again on the empty Redis', () => leadCount(child) >= 2, 30_000).catch((err: Error) => {
      throw new Error(`${err.message}\n${fx.output()}`);
    });
    await sleep(3000); // many evaluations (every 200 ms) on the state it led with
    expect(received(), fx.output()).to.deep.equal(['level-high firing']);

    fx.source.set(1);
    await until('the resolved notification', () => received().length === 2, 20_000).catch(() => undefined);
    await sleep(1000);
    expect(received(), fx.output()).to.deep.equal(['level-high firing', 'level-high resolved']);
  });
});
