/**
 * `npm run soak`: 500 well-behaved viewers of the demo dashboard next to 200 misbehaving clients, against
 * the real `rtdash serve` on loopback. A baseline without the misbehaving clients, then the attack; then
 * they leave and the server settles. Prints the viewers' p99 and delivered %, the server's RSS and its
 * /metrics gauges, and PASS/FAIL for each criterion (docs/benchmarks.md, "Soak"); exits 1 on a FAIL.
 * Knobs (environment): SOAK_SECONDS=300, SOAK_BASELINE_SECONDS=60, SOAK_VIEWERS=500, SOAK_MISBEHAVING=200,
 * SOAK_SETTLE_SECONDS=90, SOAK_SUBSCRIBE_MS=50, SOAK_MAX_RSS_MB=4096.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Child, killAll } from './child.js';
import { machineLine } from './report.js';
import { openFileLimit } from './settings.js';
import type { AttackCommand, AttackMix, AttackReport, AttackStats } from './soak-ipc.js';
import { gaugeTable, noteLines, phaseTable, rssTable, verdicts, type SoakResult } from './soak-report.js';
import { startSoakServer, type ServerGauges, type SoakServer } from './soak-server.js';
import { Viewers } from './soak-viewers.js';

const DASHBOARD = 'demo';
/** Between the last viewer subscribing and the baseline: every widget's first (whole-history) update is in. */
const WARMUP_MS = 5000;
/** The last part of the settle whose RSS samples make the end figure. */
const END_WINDOW_MS = 30_000;
/** How often RSS is sampled during the attack (for its peak and the safety cap). */
const SAMPLE_MS = 1000;
/** How long the jobs get to stop after the last viewer left (the slowest widget ticks every 2 s). */
const DRAIN_MS = 10_000;

/** The soak's knobs. */
interface SoakSettings {
  seconds: number;
  baselineSeconds: number;
  viewers: number;
  misbehaving: number;
  settleSeconds: number;
  subscribeEveryMs: number;
  /** The attack stops early when the server's RSS passes this: the soak must not take the machine down with it. */
  maxRssBytes: number;
}

function readSettings(env: NodeJS.ProcessEnv = process.env): SoakSettings {
  const num = (name: string, fallback: number) => {
    const text = env[name];
    if (text === undefined || text === '') return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a number >= 0; got "${text}"`);
    return value;
  };
  return {
    seconds: num('SOAK_SECONDS', 300),
    baselineSeconds: num('SOAK_BASELINE_SECONDS', 60),
    viewers: num('SOAK_VIEWERS', 500),
    misbehaving: num('SOAK_MISBEHAVING', 200),
    settleSeconds: num('SOAK_SETTLE_SECONDS', 90),
    subscribeEveryMs: Math.max(1, num('SOAK_SUBSCRIBE_MS', 50)),
    maxRssBytes: num('SOAK_MAX_RSS_MB', 4096) * 2 ** 20,
  };
}

/** The misbehaving clients split over the four kinds, the remainder to the first. */
function mixOf(total: number): AttackMix {
  const quarter = Math.floor(total / 4);
  return { neverReading: total - 3 * quarter, subscribeLoop: quarter, slowloris: quarter, reconnecting: quarter };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const log = (line: string) => console.error(`soak: ${line}`);

let server: SoakServer | undefined;

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    log(`${signal}, stopping the server and the clients`);
    killAll();
    void (server?.stop() ?? Promise.resolve()).finally(() => process.exit(130));
  });
}

async function main(): Promise<number> {
  const s = readSettings();
  console.log(machineLine(openFileLimit()));
  const mix = mixOf(s.misbehaving);
  console.log(
    `scenario: ${s.viewers} viewers of the "${DASHBOARD}" dashboard; baseline ${s.baselineSeconds} s, then ${s.seconds} s next to ` +
      `${s.misbehaving} misbehaving clients (${mix.neverReading} never reading, ${mix.subscribeLoop} subscribing every ${s.subscribeEveryMs} ms, ` +
      `${mix.slowloris} slowloris, ${mix.reconnecting} reconnecting every 100 ms); then ${s.settleSeconds} s to settle`,
  );
  // Room for every client at once plus the reconnecting ones' churn: the per-IP cap is not what is tested.
  server = await startSoakServer(2 * (s.viewers + s.misbehaving) + 100);
  log(`server ${server.url} (pid ${server.pid})`);
  await sleep(2000);
  const idle = await server.gauges();
  const rssIdle = server.rss();

  const viewers = new Viewers();
  await viewers.connect(server.url, DASHBOARD, s.viewers);
  log(`${viewers.open} viewers subscribed (${viewers.failedToSubscribe} failed${viewers.firstError ? `: ${viewers.firstError}` : ''})`);
  await sleep(WARMUP_MS);

  const lag = monitorEventLoopDelay({ resolution: 10 });
  lag.enable();
  const baseline = viewers.begin('baseline');
  log(`baseline for ${s.baselineSeconds} s`);
  // RSS with the same viewers swings by tens of MiB as V8 grows and shrinks its heap: the start and the end
  // are each the median of a window of samples, not one reading taken at whatever moment.
  const baselineRss = await sampleRss(server, s.baselineSeconds * 1000);
  viewers.end();
  const lagBaseline = lag.percentile(99) / 1e6;
  const rssStart = median(baselineRss);
  const baselineGauges = await server.gauges();

  const attackers = new Child<AttackCommand, AttackReport>('misbehaving clients', './soak-attackers.js');
  await attackers.next('ready', 10_000);
  lag.reset();
  const attack = viewers.begin('attack');
  await attackers.request({ type: 'start', url: server.url, dashboard: DASHBOARD, mix, subscribeEveryMs: s.subscribeEveryMs }, 'started', 10_000);
  log(`attack for ${s.seconds} s`);
  const { peak, cutShort } = await watchRss(server, s.seconds * 1000, s.maxRssBytes);
  viewers.end();
  const lagAttack = lag.percentile(99) / 1e6;
  lag.disable();
  const rssAfterAttack = server.rss();
  let attackStats: AttackStats | undefined;
  let attackersLagMs = Number.NaN;
  try {
    const stopped = await attackers.request({ type: 'stop' }, 'stopped', 30_000);
    attackStats = stopped.stats;
    attackersLagMs = stopped.lagP99Ms;
  } catch (err) {
    log(`the misbehaving clients did not report: ${err instanceof Error ? err.message : String(err)}`);
  }
  await attackers.finish(5000);
  log(`misbehaving clients gone; settling for ${s.settleSeconds} s`);
  const settleWindowMs = Math.min(END_WINDOW_MS, s.settleSeconds * 1000);
  await sleep(s.settleSeconds * 1000 - settleWindowMs);
  const rssEnd = median(await sampleRss(server, settleWindowMs));
  const afterAttack = { ...(await server.gauges()), wellBehaved: viewers.open };
  const viewerCloses = { ...viewers.closes };

  await viewers.close();
  const final = await drained(server, idle);
  const serverExit = await server.stop();
  server = undefined;

  const result: SoakResult = {
    baseline,
    attack,
    lagMs: { baseline: lagBaseline, attack: lagAttack },
    rss: { idle: rssIdle, start: rssStart, peak: Math.max(peak, rssAfterAttack), afterAttack: rssAfterAttack, end: rssEnd },
    afterAttack,
    idle,
    baselineGauges,
    final,
    attackers: attackStats,
    attackersLagMs,
    viewerCloses,
    duplicates: viewers.duplicates,
    failedToSubscribe: viewers.failedToSubscribe,
    serverExit,
    ...(cutShort !== undefined && { cutShort }),
  };
  console.log('');
  console.log(phaseTable(result));
  console.log('');
  console.log(rssTable(result));
  console.log('');
  console.log(gaugeTable(result));
  const { lines, failed } = verdicts(result);
  console.log(['', 'criteria:', ...lines].join('\n'));
  console.log(['notes:', ...noteLines(result)].join('\n'));
  return failed ? 1 : 0;
}

/** The server's RSS every `SAMPLE_MS` for `ms`. */
async function sampleRss(s: SoakServer, ms: number): Promise<number[]> {
  const end = Date.now() + ms;
  const samples = [s.rss()];
  while (Date.now() < end) {
    await sleep(Math.min(SAMPLE_MS, end - Date.now()));
    samples.push(s.rss());
  }
  return samples;
}

/** The middle value (the mean of the two middle ones for an even count). */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Samples the server's RSS for `ms`; stops early (saying why) if it passes `maxBytes`. */
async function watchRss(s: SoakServer, ms: number, maxBytes: number): Promise<{ peak: number; cutShort?: string }> {
  const end = Date.now() + ms;
  let peak = 0;
  while (Date.now() < end) {
    await sleep(Math.min(SAMPLE_MS, end - Date.now()));
    const rss = s.rss();
    peak = Math.max(peak, rss);
    if (rss > maxBytes) {
      const cutShort = `stopped after ${Math.round((ms - (end - Date.now())) / 1000)} s: server RSS ${Math.round(rss / 2 ** 20)} MiB passed SOAK_MAX_RSS_MB`;
      log(cutShort);
      return { peak, cutShort };
    }
  }
  return { peak };
}

/** The gauges once every client is gone: polled until they are back to idle, or `DRAIN_MS` passed. */
async function drained(s: SoakServer, idle: ServerGauges): Promise<ServerGauges> {
  const end = Date.now() + DRAIN_MS;
  for (;;) {
    const g = await s.gauges();
    if ((g.connections === 0 && g.viewers === 0 && g.jobs <= idle.jobs) || Date.now() > end) return g;
    await sleep(500);
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  async (err: unknown) => {
    console.error(`soak failed: ${err instanceof Error ? err.message : String(err)}`);
    if (server !== undefined) console.error(`server output (tail):\n${server.output().slice(-3000)}`);
    killAll();
    await server?.stop();
    process.exitCode = 1;
  },
);
