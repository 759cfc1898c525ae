/**
 * One real `rtdash serve` of a cluster test and what an operator reads of it: /readyz, /api/cluster, /metrics
 * and its JSON log; and what a test does to it: SIGKILL (a crash), SIGTERM (a graceful stop), SIGSTOP/SIGCONT
 * (a process that hangs, then wakes up). The shapes below are those docs/cluster.md documents.
 */
import { killCli, stopCli, type ServedCli } from './served-cli.js';
import { metric } from './server-metrics.js';

/** /readyz's `cluster` section. */
export interface ReadyCluster {
  instance: string;
  mode: 'cluster' | 'degraded: local';
  members: number;
  jobsHeld: number;
  jobsFollowed: number;
}

/** GET /api/cluster. */
export interface ClusterView {
  instance: string;
  mode: ReadyCluster['mode'];
  members: { id: string; host: string; pid: number; url: string; jobsHeld: number }[];
  jobs: { key: string; holder: string; epoch: number; seq: number; wantedBy: string[] }[];
}

/** The log lines an instance writes when it loses Redis, and when it has it back. */
export const DEGRADED = 'Redis unreachable: running jobs locally (degraded: local)';
export const BACK = 'Redis answers again: back to cluster mode';

/** A log line docs/cluster.md names, e.g. "took the lease of a job". */
export type LogLine = ReturnType<ServedCli['logs']>[number];

/** A running instance. */
export class Instance {
  /** Set once SIGSTOP was sent and until SIGCONT. */
  stopped = false;

  constructor(
    /** Also its data source's application_name, so the rows PostgreSQL keeps name it. */
    readonly name: string,
    readonly port: number,
    readonly child: ServedCli,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  get pid(): number {
    return this.child.process.pid!;
  }

  /** Whether the process is still there (a stopped one is). */
  get alive(): boolean {
    return this.child.process.exitCode === null && this.child.process.signalCode === null;
  }

  /** /readyz's status and body. */
  async readyz(): Promise<{ status: number; body: { status: string; cluster?: ReadyCluster } }> {
    const res = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(3000) });
    return { status: res.status, body: (await res.json()) as { status: string; cluster?: ReadyCluster } };
  }

  /** /readyz's cluster section; undefined when the server has none (no cluster mode). */
  async readyCluster(): Promise<ReadyCluster | undefined> {
    return (await this.readyz()).body.cluster;
  }

  /** GET /api/cluster as an admin (the test connects from loopback); throws on another status than 200. */
  async cluster(): Promise<ClusterView> {
    const res = await fetch(`${this.url}/api/cluster`, { signal: AbortSignal.timeout(3000) });
    if (res.status !== 200) throw new Error(`GET ${this.url}/api/cluster answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
    return (await res.json()) as ClusterView;
  }

  /** One /metrics sample, 0 when absent. */
  metric(sample: string): Promise<number> {
    return metric(this.url, sample);
  }

  /** The sum of a metric's samples whatever their labels (`rtdash_cluster_leases_lost_total` over every reason); 0 when absent. */
  async metricTotal(name: string): Promise<number> {
    const text = await (await fetch(`${this.url}/metrics`, { signal: AbortSignal.timeout(3000) })).text();
    return text
      .split('\n')
      .filter((l) => l.startsWith(`${name} `) || l.startsWith(`${name}{`))
      .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
  }

  /** Its JSON log lines whose `msg` is `msg`. */
  logged(msg: string): LogLine[] {
    return this.child.logs().filter((l) => l.msg === msg);
  }

  /**
   * The spans of time it ran jobs locally, from its log ("Redis unreachable: …" to "Redis answers again: …";
   * an open span ends now), so that its viewers' states from then are not compared with other instances'.
   */
  degradedSpans(): [number, number][] {
    const spans: [number, number][] = [];
    let from: number | undefined;
    for (const line of this.child.logs()) {
      if (line.msg === DEGRADED && from === undefined) from = line.time;
      if (line.msg === BACK && from !== undefined) {
        spans.push([from, line.time]);
        from = undefined;
      }
    }
    if (from !== undefined) spans.push([from, Date.now()]);
    return spans;
  }

  /** A crash: SIGKILL, resolved once it is gone. */
  kill(): Promise<unknown> {
    return killCli(this.child);
  }

  /** A graceful stop: SIGTERM, resolved once it exited. */
  async stop(): Promise<unknown> {
    if (this.stopped) this.resume();
    return stopCli(this.child);
  }

  /** SIGSTOP: the process hangs, its sockets stay open, its timers stop. */
  pause(): void {
    this.child.process.kill('SIGSTOP');
    this.stopped = true;
  }

  /** SIGCONT after `pause`. */
  resume(): void {
    this.child.process.kill('SIGCONT');
    this.stopped = false;
  }
}

/** The instance whose /readyz names `id`, among `instances` (ids are read once per instance and kept). */
export async function byId(instances: readonly Instance[], id: string): Promise<Instance | undefined> {
  for (const i of instances) if (i.alive && !i.stopped && (await idOf(i)) === id) return i;
  return undefined;
}

const ids = new WeakMap<Instance, string>();

/** The instance's cluster id (from /readyz), read once. */
export async function idOf(instance: Instance): Promise<string | undefined> {
  const known = ids.get(instance);
  if (known !== undefined) return known;
  const id = (await instance.readyCluster())?.instance;
  if (id !== undefined) ids.set(instance, id);
  return id;
}
