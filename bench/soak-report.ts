/** The soak's printed report: the well-behaved viewers per phase, the server's RSS, its gauges, and the verdicts. */
import type { AttackStats } from './soak-ipc.js';
import type { ServerGauges } from './soak-server.js';
import type { Phase } from './soak-viewers.js';
import { fixed, formatTable } from './stats.js';

/** The attack's p99 may be at most this many times the baseline's. */
export const P99_FACTOR = 1.5;
/** RSS after the misbehaving clients left may be at most this much above its start. */
export const RSS_GROWTH = 0.1;

/** Everything a soak run measured. */
export interface SoakResult {
  baseline: Phase;
  attack: Phase;
  /** The orchestrator's own event-loop delay p99 in each phase, ms: what its clock adds to latencies. */
  lagMs: { baseline: number; attack: number };
  rss: { idle: number; start: number; peak: number; afterAttack: number; end: number };
  /** Gauges once the misbehaving clients had left (the well-behaved viewers still there), and how many viewers that was. */
  afterAttack: ServerGauges & { wellBehaved: number };
  /** Gauges with nobody connected before the viewers came, and with only the viewers at the end of the baseline. */
  idle: ServerGauges;
  baselineGauges: ServerGauges;
  final: ServerGauges;
  attackers: AttackStats | undefined;
  attackersLagMs: number;
  viewerCloses: Record<string, number>;
  duplicates: number;
  failedToSubscribe: number;
  serverExit: { code: number | null; ms: number };
  /** Why the attack ended early (the RSS cap), if it did. */
  cutShort?: string;
}

/** The phase table. */
export function phaseTable(r: SoakResult): string {
  const row = (p: Phase, lag: number) => [
    p.name,
    String(p.viewers),
    fixed((p.end - p.start) / 1000, 0),
    String(p.produced()),
    fixed(p.produced() / ((p.end - p.start) / 1000), 1),
    String(p.received),
    fixed(p.deliveredPercent(), 2),
    fixed(p.latency.percentile(0.5), 0),
    fixed(p.latency.percentile(0.99), 0),
    fixed(lag, 0),
  ];
  return formatTable(
    ['phase', 'viewers', 'seconds', 'updates produced', 'produced/s', 'received', 'delivered %', 'p50 ms', 'p99 ms', 'harness lag p99 ms'],
    [row(r.baseline, r.lagMs.baseline), row(r.attack, r.lagMs.attack)],
  );
}

/** The server's RSS at each point. */
export function rssTable(r: SoakResult): string {
  const mib = (b: number) => fixed(b / 2 ** 20, 1);
  return formatTable(
    ['server RSS', 'MiB'],
    [
      ['idle, before any viewer', mib(r.rss.idle)],
      ['start: median over the baseline (viewers connected)', mib(r.rss.start)],
      ['peak during the attack', mib(r.rss.peak)],
      ['as the misbehaving clients leave', mib(r.rss.afterAttack)],
      ['end: median over the last 30 s of the settle', mib(r.rss.end)],
    ],
  );
}

/** The /metrics gauges against what they should be. */
export function gaugeTable(r: SoakResult): string {
  const n = r.afterAttack.wellBehaved;
  return formatTable(
    ['/metrics', 'after attack', 'expected', 'all gone', 'expected'],
    [
      ['rtdash_connections', String(r.afterAttack.connections), String(n), String(r.final.connections), '0'],
      ['rtdash_viewers', String(r.afterAttack.viewers), String(n), String(r.final.viewers), '0'],
      ['rtdash_jobs_running', String(r.afterAttack.jobs), `${r.baselineGauges.jobs} (baseline)`, String(r.final.jobs), `${r.idle.jobs} (idle: alert rules)`],
    ],
  );
}

/** One line per pass criterion, PASS or FAIL; `failed` is true when any failed. */
export function verdicts(r: SoakResult): { lines: string[]; failed: boolean } {
  const p99 = { baseline: r.baseline.latency.percentile(0.99), attack: r.attack.latency.percentile(0.99) };
  const rssLimit = r.rss.start * (1 + RSS_GROWTH);
  // A leak shows twice (after the attack, and after everyone left): count it once.
  const leakedViewers = Math.max(0, r.afterAttack.viewers - r.afterAttack.wellBehaved, r.final.viewers);
  const leakedConnections = Math.max(0, r.afterAttack.connections - r.afterAttack.wellBehaved, r.final.connections);
  const leakedJobs = Math.max(0, r.afterAttack.jobs - r.baselineGauges.jobs, r.final.jobs - r.idle.jobs);
  const checks: [boolean, string][] = [
    [
      r.rss.end <= rssLimit,
      `server RSS back within ${RSS_GROWTH * 100}% of its start after the misbehaving clients left: ` +
        `${fixed(r.rss.end / 2 ** 20, 1)} MiB vs. start ${fixed(r.rss.start / 2 ** 20, 1)} MiB (limit ${fixed(rssLimit / 2 ** 20, 1)})`,
    ],
    [
      p99.attack <= P99_FACTOR * p99.baseline,
      `well-behaved p99 under attack within ${P99_FACTOR}x of the baseline: ${fixed(p99.attack, 0)} ms vs. ${fixed(p99.baseline, 0)} ms ` +
        `(limit ${fixed(P99_FACTOR * p99.baseline, 0)} ms)`,
    ],
    [
      leakedViewers === 0 && leakedConnections === 0 && leakedJobs === 0,
      `no leaked viewers, connections or jobs: ${leakedViewers} viewers, ${leakedConnections} connections, ${leakedJobs} jobs`,
    ],
  ];
  if (r.cutShort !== undefined) checks.push([false, `attack ran its full length: ${r.cutShort}`]);
  return { lines: checks.map(([ok, text]) => `  ${ok ? 'PASS' : 'FAIL'}  ${text}`), failed: checks.some(([ok]) => !ok) };
}

/** What else the run saw: closes, duplicates, the misbehaving clients' side, the shutdown. */
export function noteLines(r: SoakResult): string[] {
  const counts = (record: Record<string, number>) =>
    Object.entries(record).length === 0 ? 'none' : Object.entries(record).map(([code, n]) => `${n}x ${code}`).join(', ');
  const lines = [
    `  well-behaved viewers closed by the server: ${counts(r.viewerCloses)}; failed to subscribe: ${r.failedToSubscribe}; ` +
      `updates received twice or out of order: ${r.duplicates}`,
  ];
  const a = r.attackers;
  if (a !== undefined) {
    lines.push(
      `  misbehaving clients: connections opened ${Object.entries(a.opened).map(([kind, n]) => `${kind} ${n}`).join(', ')}; ` +
        `${a.subscribes} subscribes sent; ${fixed(a.bytesRead / 2 ** 20, 1)} MiB read; socket errors ${a.errors}; ` +
        `event-loop lag p99 ${fixed(r.attackersLagMs, 0)} ms`,
      `  misbehaving clients closed or refused by the server: ${counts(a.closes)}`,
    );
  }
  lines.push(`  server stopped with SIGTERM: exit code ${r.serverExit.code} after ${r.serverExit.ms} ms`);
  return lines;
}
