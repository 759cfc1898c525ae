/**
 * `rtdash cluster status` as an operator runs it next to a running cluster: it reads Redis (cluster.redis and
 * cluster.prefix of the config, or --redis / RTDASH_CLUSTER_REDIS) and prints every member and the instance
 * holding each job, as text and with --json. With Redis unreachable, or a config without cluster.redis, it exits 1
 * at once with a message that says what is wrong, and no stack trace. What it reads is where docs/cluster.md ("What is in Redis") puts it.
 */
import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useCluster } from '../support/cluster.js';
import { closeAll, converged, watchEverywhere } from '../support/cluster-checks.js';
import { idOf } from '../support/cluster-instance.js';
import { runCli, until } from '../support/served-cli.js';
import { freePort } from '../support/tcp-proxy.js';

const STACK_TRACE = /^\s+at .+:\d+:\d+\)?$/m;

describe('cluster: rtdash cluster status', function () {
  this.timeout(60_000);
  const cluster = useCluster('status-cli');

  it('prints every member and which instance holds each job', async () => {
    const instances = await cluster.startMany(2);
    const viewers = await watchEverywhere(instances, ['a', 'b']);
    await until('the jobs to be held', () => converged(cluster, 2, 4), 10_000);
    const ids = await Promise.all(instances.map((i) => idOf(i)));
    const view = await instances[0]!.cluster();

    const text = cluster.status();
    expect(text.status, text.output).to.equal(0);
    for (const id of ids) expect(text.output, 'every member is listed').to.include(id);
    for (const job of view.jobs) {
      const line = text.output.split('\n').find((l) => l.includes(job.key));
      expect(line, `a line for job ${job.key}\n${text.output}`).to.be.a('string');
      expect(line, 'with its holder').to.include(job.holder);
    }

    const json = cluster.status(['--json']);
    expect(json.status, json.output).to.equal(0);
    const flat = JSON.stringify(jsonIn(json.output));
    for (const id of ids) expect(flat, 'every member in --json').to.include(JSON.stringify(id));
    for (const job of view.jobs) expect(flat, `job ${job.key} in --json`).to.include(JSON.stringify(job.key));
    await closeAll(viewers);
  });

  it('finds in Redis what it reads: the members and each job\'s lease as docs/cluster.md lays them out', async () => {
    const instances = await cluster.startMany(2);
    const viewers = await watchEverywhere(instances, ['a', 'b']);
    await until('the jobs to be held', () => converged(cluster, 2, 4), 10_000);
    const view = await instances[0]!.cluster();
    const members = await cluster.admin.zrange(`${cluster.prefix}:members`, '0', '-1');
    expect([...members].sort(), 'the members set (a ZSET)').to.deep.equal(view.members.map((m) => m.id).sort());
    // Read twice at most: a job handed over for balance between the two reads changes its lease.
    for (let attempt = 1; ; attempt++) {
      const jobs = (await instances[0]!.cluster()).jobs;
      const leases = await Promise.all(jobs.map((job) => cluster.admin.get(`${cluster.prefix}:job:{${job.key}}:lease`)));
      const expected = jobs.map((job) => `${job.holder}|${job.epoch}`);
      if (attempt === 2 || JSON.stringify(leases) === JSON.stringify(expected)) {
        expect(leases, 'each lease is `<holder>|<epoch>` as /api/cluster says').to.deep.equal(expected);
        break;
      }
    }
    for (const id of members) {
      const key = `${cluster.prefix}:member:${id}`;
      const info = JSON.parse((await cluster.admin.get(key)) ?? 'null') as Record<string, unknown> | null;
      expect(info, `${key}: the instance's description (JSON)`).to.include.keys('host', 'pid', 'url', 'startedAt');
      expect(info!.url, `${key}: where the instance listens`).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
    }
    await until('an instance to lead the alerts', async () => (await cluster.admin.get(`${cluster.prefix}:alerts:leader`)) !== null, 10_000);
    expect(members, 'the alert leader is named as in the members set').to.include(await cluster.admin.get(`${cluster.prefix}:alerts:leader`));
    await closeAll(viewers);
  });

  it('exits 1 with a clear message when Redis is unreachable or not configured', async () => {
    await cluster.start();
    const port = await freePort();
    const address = `127.0.0.1:${port}`;
    for (const [how, run] of [
      ['--redis', () => cluster.status(['--redis', `redis://${address}`])],
      ['RTDASH_CLUSTER_REDIS', () => cluster.status([], { RTDASH_CLUSTER_REDIS: `redis://${address}` })],
    ] as const) {
      const started = Date.now();
      const r = run();
      expect(r.status, `${how}: exit status\n${r.output}`).to.equal(1);
      expect(Date.now() - started, `${how}: gives up within seconds`).to.be.below(8000);
      expect(r.output, `${how}: says Redis is unreachable, and where`).to.match(/unreachable|cannot reach|could not (reach|connect)|refused/i);
      expect(r.output).to.include(address);
      expect(r.output, `${how}: no stack trace`).to.not.match(STACK_TRACE);
    }

    const plain = join(cluster.dir, 'config-plain.yaml');
    writeFileSync(plain, 'server: { host: 127.0.0.1, port: 1 }\ndashboards: { dir: dashboards, watch: false }\n');
    const r = runCli(['cluster', 'status', '--config', plain], cluster.dir);
    expect(r.status, r.output).to.equal(1);
    expect(r.output, 'names the missing setting').to.include('cluster.redis');
    expect(r.output).to.not.match(STACK_TRACE);
  });
});

/** The JSON document in a command's output (which may also hold log lines). */
function jsonIn(output: string): unknown {
  try {
    return JSON.parse(output);
  } catch {
    const start = output.search(/^[[{]/m);
    const end = Math.max(output.lastIndexOf('}'), output.lastIndexOf(']'));
    return JSON.parse(output.slice(start, end + 1));
  }
}
