/**
 * The instances of one cluster measurement: real `rtdash serve` child processes of the CLI, each on its own port
 * and data folder, on one Redis prefix; who holds which job (GET /api/cluster, admin from loopback), each process's
 * CPU read from /proc (as `top` would, from outside the process), a crash (SIGKILL) and a clean stop.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVER_NODE_FLAGS } from '../core/runtime-flags.js';
import { killCli, serveCli, stopCli, waitReady, type ServedCli } from '../test/support/served-cli.js';
import { freePort } from '../test/support/tcp-proxy.js';
import { clusterDashboardYaml, instanceConfigYaml, WIDGET_IDS } from './cluster-scenario.js';

/** How long an instance may take to answer /readyz. */
const START_TIMEOUT_MS = 30_000;
/** Polling step while waiting for the jobs to settle on their holders. */
const POLL_MS = 250;

/** One running instance. */
export interface Instance {
  /** Its place in the start order: viewer `i` is on instance `i mod n`. */
  index: number;
  url: string;
  pid: number;
  /** Its id in the cluster (`host:pid:hex`). */
  id: string;
  cli: ServedCli;
}

/** What /api/cluster says of the jobs. */
interface ClusterAnswer {
  jobs: { key: string; holder: string | null; epoch: number | null }[];
}

/** Who holds each widget's job: its job key, the holder's index (-1 for an instance not running) and the lease's epoch. */
export type Holders = Map<string, { key: string; index: number; epoch: number }>;

/** Every cluster still running, for an interrupted run. */
const live = new Set<Instances>();

/** On Ctrl-C or SIGTERM: kills every instance still running and removes its folders (synchronous, never throws). */
export function killInstances(): void {
  for (const cluster of live) {
    for (const instance of cluster.all) instance.cli.process.kill('SIGKILL');
    rmSync(cluster.dir, { recursive: true, force: true });
  }
  live.clear();
}

export class Instances {
  readonly all: Instance[];
  readonly dir: string;

  private constructor(all: Instance[], dir: string) {
    this.all = all;
    this.dir = dir;
  }

  /** Starts `count` instances one after the other on Redis `redisUrl` under `prefix`; resolves once each answers /readyz. */
  static async start(count: number, options: { redisUrl: string; prefix: string; pgUrl: string; leaseTtlMs: number }): Promise<Instances> {
    const dir = mkdtempSync(join(tmpdir(), 'rtdash-bench-cluster-'));
    const dashboards = join(dir, 'dashboards');
    mkdirSync(dashboards);
    writeFileSync(join(dashboards, 'cluster.yaml'), clusterDashboardYaml());
    const cluster = new Instances([], dir);
    live.add(cluster);
    try {
      for (let index = 0; index < count; index++) {
        const port = await freePort();
        const config = join(dir, `config-${index}.yaml`);
        writeFileSync(config, instanceConfigYaml({ ...options, port, data: join(dir, `data-${index}`), dashboards, applicationName: `${options.prefix}-${index}` }));
        const cli = serveCli(config, dir, [], { nodeArgs: [...SERVER_NODE_FLAGS] });
        const url = `http://127.0.0.1:${port}`;
        cluster.all.push({ index, url, pid: cli.process.pid!, id: '', cli });
        await waitReady(cli, url, START_TIMEOUT_MS);
        const ready = (await (await fetch(`${url}/readyz`)).json()) as { cluster?: { instance: string } };
        if (ready.cluster === undefined) throw new Error(`instance ${index} is not in cluster mode: ${JSON.stringify(ready)}`);
        cluster.all[index]!.id = ready.cluster.instance;
      }
    } catch (err) {
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** The instances not killed. */
  get running(): Instance[] {
    return this.all.filter((i) => i.cli.process.exitCode === null && i.cli.process.signalCode === null);
  }

  /** Who holds each widget's job now, asked of a running instance. */
  async holders(): Promise<Holders> {
    const asked = this.running[0];
    if (asked === undefined) throw new Error('no instance is running');
    const answer = (await (await fetch(`${asked.url}/api/cluster`)).json()) as ClusterAnswer;
    const holders: Holders = new Map();
    for (const job of answer.jobs) {
      const widget = widgetOfJob(job.key);
      if (widget === undefined || job.holder === null) continue;
      holders.set(widget, { key: job.key, index: this.all.findIndex((i) => i.id === job.holder && this.running.includes(i)), epoch: job.epoch ?? -1 });
    }
    return holders;
  }

  /**
   * Waits until every widget's job has a running holder and nothing changed hands for `quietMs` (an instance
   * holding more than its share gives jobs away one heartbeat at a time); returns the holders, and whether they
   * settled within `timeoutMs`.
   */
  async settle(quietMs: number, timeoutMs: number): Promise<{ holders: Holders; settled: boolean }> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    let since = Date.now();
    for (;;) {
      const holders = await this.holders();
      const key = describeHolders(holders);
      const complete = WIDGET_IDS.every((w) => (holders.get(w)?.index ?? -1) >= 0);
      if (key !== last || !complete) [last, since] = [key, Date.now()];
      else if (Date.now() - since >= quietMs) return { holders, settled: true };
      if (Date.now() > deadline) return { holders, settled: false };
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /** A crash: SIGKILL, and wait for the process to be gone. */
  async kill(instance: Instance): Promise<void> {
    await killCli(instance.cli);
  }

  /** Stops every running instance cleanly (killed if it will not) and removes the folder. */
  async stop(): Promise<void> {
    await Promise.all(
      this.all.map(async (i) => {
        const timer = setTimeout(() => i.cli.process.kill('SIGKILL'), 15_000);
        await stopCli(i.cli).catch(() => undefined);
        clearTimeout(timer);
      }),
    );
    rmSync(this.dir, { recursive: true, force: true });
    live.delete(this);
  }
}

/** The widget of a job key (`<dashboard>/<widget>#<hash>…`). */
export function widgetOfJob(key: string): string | undefined {
  const m = /^[^/]+\/([^#]+)#/.exec(key);
  return m?.[1];
}

/** Holders as `w0:1 w1:0 …`, to compare two readings and print. */
export function describeHolders(holders: Holders): string {
  return WIDGET_IDS.map((w) => `${w}:${holders.get(w)?.index ?? '-'}`).join(' ');
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** User + system CPU of a process so far, µs, from /proc/<pid>/stat (in clock ticks: 10 ms steps). */
export function processCpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may hold spaces: the fields after it are counted from its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1_000_000) / CLOCK_TICKS;
}

/**
 * Puts the processes `servers` on every CPU but the last and `loads` on the last one (all their threads, with
 * `taskset`), so that one, two or three instances get the same CPUs and the load generator never takes theirs.
 * Returns what was done, or why nothing was (one CPU, no `taskset`).
 */
export function pinProcesses(servers: number[], loads: number[], cpus: number): string {
  if (cpus < 2) return 'not pinned: one CPU';
  const serverCpus = cpus === 2 ? '0' : `0-${cpus - 2}`;
  const loadCpu = String(cpus - 1);
  try {
    for (const pid of servers) execFileSync('taskset', ['-a', '-p', '-c', serverCpus, String(pid)], { stdio: 'ignore' });
    for (const pid of loads) execFileSync('taskset', ['-a', '-p', '-c', loadCpu, String(pid)], { stdio: 'ignore' });
  } catch (err) {
    return `not pinned: taskset failed (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`;
  }
  return `instances on CPU ${serverCpus}, load on CPU ${loadCpu}`;
}
