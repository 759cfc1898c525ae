/**
 * The alert suite of `npm run bench` (BENCH_SUITES=alerts), also runnable alone: `node dist/bench/alerts-suite.js`.
 *
 * 1. Evaluation cost: a real server (startServer, in-process) with 1,000 rules on 100 widgets every 1 s
 *    (bench/alerts-scenario.ts) and a real webhook receiver. Each rule's listener on its job (the engine's
 *    whole per-rule cost on a delivery: evaluateRule, state bookkeeping, store.save, recheck timer,
 *    transitions) is timed with performance.now(); then evaluateRule alone on the frames the jobs hold.
 *    Process CPU and event-loop utilisation over the window.
 * 2. Delay from data to webhook: a `for: 0s` rule on a `level` widget every 1 s; the level is flipped across
 *    the threshold at a random phase, and each flip is timed from the flip, from the query that returned the
 *    new value, and from the job's delivery to the engine, to the receiver getting the POST.
 *
 * Knobs: BENCH_ALERTS_SECONDS (60), BENCH_ALERTS_WARMUP (5), BENCH_ALERTS_FLIPS (50), BENCH_ALERTS_DIRECT_REPS (20),
 * BENCH_ALERTS_PROFILE (0; 1: always profile an extra window; it is profiled anyway when a goal is missed),
 * BENCH_ALERTS_PROFILE_SECONDS (15).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import type { Profiler } from 'node:inspector';
import { readFileSync } from 'node:fs';
import { DEFAULT_LIMITS } from '../core/config/index.js';
import type { Job, JobListener } from '../core/job.js';
import { silentLogger } from '../core/logger.js';
import type { ServerConfig } from '../core/model.js';
import { startServer, type RtdashServer } from '../core/server.js';
import { evaluateRule } from '../core/alerts/rule-evaluator.js';
import type { AlertRule } from '../core/alerts/rule.js';
import { httpReceiver, type HttpReceiver } from '../core/alerts/notifiers/testing.js';
import { alertBenchPlugin, level } from './alerts-plugin.js';
import { DASHBOARDS, EVERY_MS, KINDS, LEVEL_THRESHOLD, TEMPLATES, delayScenario, evaluationScenario } from './alerts-scenario.js';
import { WindowProfiler, topSelfTime } from './profiler.js';
import { machineLine } from './report.js';
import { fixed, formatTable } from './stats.js';

/** Goal: a rule's evaluation under this at p99. */
export const GOAL_RULE_P99_MS = 1;
/** Goal: from the job's result to the webhook under this. */
export const GOAL_DELAY_MS = 100;

/** The suite's knobs. */
export interface AlertsSettings {
  seconds: number;
  warmupSeconds: number;
  flips: number;
  directReps: number;
  profile: boolean;
  profileSeconds: number;
}

/** Reads BENCH_ALERTS_*; throws with the variable's name when one is malformed. */
export function readAlertsSettings(env: NodeJS.ProcessEnv = process.env): AlertsSettings {
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name] ?? String(fallback);
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name}: expected a whole number from ${min} to ${max}, got "${raw}"`);
    return n;
  };
  return {
    seconds: int('BENCH_ALERTS_SECONDS', 60, 1, 3600),
    warmupSeconds: int('BENCH_ALERTS_WARMUP', 5, 0, 600),
    flips: int('BENCH_ALERTS_FLIPS', 50, 2, 10_000),
    directReps: int('BENCH_ALERTS_DIRECT_REPS', 20, 1, 1000),
    profile: env['BENCH_ALERTS_PROFILE'] === '1',
    profileSeconds: int('BENCH_ALERTS_PROFILE_SECONDS', 15, 1, 600),
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Nearest-rank percentile of unsorted samples (sorts a copy); NaN when empty. */
function pct(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

function row(label: string, samples: readonly number[], digits = 3, extra: string[] = []): string[] {
  return [label, ...extra, String(samples.length), fixed(pct(samples, 0.5), digits), fixed(pct(samples, 0.99), digits), fixed(pct(samples, 1), digits)];
}

/** A real server on an ephemeral port serving `files` from a temporary folder, notifying `hook` at `url`. */
async function serve(prefix: string, files: Record<string, string>, hookUrl: string): Promise<{ server: RtdashServer; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  for (const [name, yaml] of Object.entries(files)) writeFileSync(join(dir, name), yaml);
  const config: ServerConfig = {
    server: { host: '127.0.0.1', port: 0, allowedOrigins: [], limits: { ...DEFAULT_LIMITS } },
    auth: { adminTokens: [] },
    datasources: [{ name: 'ab', type: 'alertbench', options: {} }],
    plugins: [],
    dashboards: { dir, watch: false },
    notifiers: { hook: { type: 'webhook', timeoutMs: 5000, options: { url: hookUrl } } },
    cluster: {},
    storage: { type: 'embedded', dir: join(dir, 'data') },
    log: { level: 'silent' },
  } as ServerConfig;
  const server = await startServer(config, { plugins: [alertBenchPlugin], logger: silentLogger(), port: 0 });
  return {
    server,
    async stop() {
      try {
        await server.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

/** The job running `widget` of `dashboard`, and that widget's rules in the order they were attached. */
function jobAndRules(server: RtdashServer, dashboardId: string, widgetId: string): { job: Job; rules: AlertRule[] } {
  const dashboard = server.store.get(dashboardId);
  const widget = dashboard?.widgets.find((w) => w.id === widgetId);
  const job = server.scheduler.jobs().find((j) => j.widget === widget);
  if (dashboard === undefined || widget === undefined || job === undefined) throw new Error(`no job for ${dashboardId}/${widgetId}`);
  const rules = dashboard.alerts.filter((r) => r.data.kind === 'widget' && r.data.widget === widgetId);
  return { job, rules };
}

/**
 * Replaces each listener of `job` with a timed wrapper (the engine attaches one listener per rule, in rule
 * order, and nothing else listens: no viewers). Returns a function that puts the originals back.
 */
function wrapListeners(job: Job, onCall: (index: number, count: number, ms: number, startedAt: number) => void): () => void {
  const originals = [...job.listeners];
  job.listeners.clear();
  const wrappers = originals.map((listener, index): JobListener => (entry, j) => {
    const t0 = performance.now();
    try {
      listener(entry, j);
    } finally {
      onCall(index, originals.length, performance.now() - t0, t0);
    }
  });
  for (const w of wrappers) job.listeners.add(w);
  return () => {
    for (const w of wrappers) job.listeners.delete(w);
    for (const l of originals) job.listeners.add(l);
  };
}

async function until(what: string, check: () => boolean, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Profiles this process for `seconds` and returns the top self-time lines. */
async function profileWindow(seconds: number, file: string): Promise<string[]> {
  const profiler = new WindowProfiler();
  await profiler.start();
  await sleep(seconds * 1000);
  await profiler.stop(file);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profiler.Profile;
  return topSelfTime(profile, 15).map((p) => `  ${p.percent.toFixed(1).padStart(5)}%  ${p.selfMs.toFixed(0).padStart(6)} ms  ${p.where}`);
}

interface EvaluationResult {
  lines: string[];
  ruleP99: number;
}

/** Part 1: 1,000 rules on 100 widgets. */
async function evaluationCost(settings: AlertsSettings, log: (line: string) => void): Promise<EvaluationResult> {
  const sink = await httpReceiver();
  const { files, rules: infos } = evaluationScenario('hook');
  const setupStarted = performance.now();
  const { server, stop } = await serve('rtdash-bench-alerts-', files, sink.url);
  const restore: (() => void)[] = [];
  try {
    const startMs = performance.now() - setupStarted;
    const engine = server.alerts;
    const targets = [...new Set([...infos.values()].map((i) => `${i.dashboard}/${i.widget}`))].map((key) => {
      const [dashboard, widget] = key.split('/') as [string, string];
      return jobAndRules(server, dashboard, widget);
    });
    const ruleCount = targets.reduce((n, t) => n + t.rules.length, 0);
    await until('every job to have data', () => targets.every((t) => t.job.history.status !== 'pending'), 30_000);
    log(`bench: alerts: ${ruleCount} rules on ${targets.length} jobs, warming up ${settings.warmupSeconds} s`);

    let measuring = false;
    // The engine emits `change` synchronously inside a rule's evaluation; alerting's handler builds the
    // dashboard's alerts message. Timed apart: a hook before it and one after it.
    let changeMs = 0;
    let changeStarted = 0;
    engine.prependListener('change', () => void (changeStarted = performance.now()));
    engine.on('change', () => void (changeMs += performance.now() - changeStarted));
    const perRuleChange: number[] = [];
    const perRuleNoChange: number[] = [];
    const perRule: number[] = [];
    const byKind = new Map<string, number[]>(KINDS.map((k) => [k.label, []]));
    const perDelivery: number[] = [];
    for (const { job, rules } of targets) {
      if (job.listeners.size !== rules.length) throw new Error(`job ${job.key} has ${job.listeners.size} listeners for ${rules.length} rules`);
      const ruleInfos = rules.map((r) => infos.get(r.name)!);
      let sum = 0;
      restore.push(
        wrapListeners(job, (index, count, ms) => {
          const change = changeMs;
          changeMs = 0;
          if (!measuring) return;
          const info = ruleInfos[index]!;
          perRule.push(ms);
          perRuleChange.push(change);
          perRuleNoChange.push(ms - change);
          byKind.get(info.kind.label)!.push(ms);
          sum += ms;
          if (index === count - 1) {
            perDelivery.push(sum);
            sum = 0;
          }
        }),
      );
    }
    await sleep(settings.warmupSeconds * 1000);

    log(`bench: alerts: measuring ${settings.seconds} s`);
    const evaluations0 = engine.evaluations;
    const requests0 = sink.requests.length;
    const runs0 = targets.reduce((n, t) => n + t.job.runs, 0);
    const cpu0 = process.cpuUsage();
    const elu0 = performance.eventLoopUtilization();
    const wall0 = performance.now();
    measuring = true;
    await sleep(settings.seconds * 1000);
    measuring = false;
    const wallMs = performance.now() - wall0;
    const cpu = process.cpuUsage(cpu0);
    const elu = performance.eventLoopUtilization(elu0);
    const evaluations = engine.evaluations - evaluations0;
    const notifications = sink.requests.length - requests0;
    const runs = targets.reduce((n, t) => n + t.job.runs, 0) - runs0;
    const skipped = targets.reduce((n, t) => n + t.job.skipped, 0);
    const firing = engine.alerts().length;

    let profile: string[] = [];
    const ruleP99 = pct(perRule, 0.99);
    if (settings.profile || !(ruleP99 < GOAL_RULE_P99_MS)) {
      const file = join(tmpdir(), `rtdash-bench-alerts-${process.pid}.cpuprofile`);
      log(`bench: alerts: profiling ${settings.profileSeconds} s more`);
      profile = [`CPU profile of ${settings.profileSeconds} s more of the same load (${file}), top self time:`, ...(await profileWindow(settings.profileSeconds, file))];
    }

    // evaluateRule alone, on the frames the jobs hold now, from a clean state (no previous alerts).
    log(`bench: alerts: evaluateRule directly, ${settings.directReps} passes over every rule`);
    const direct: number[] = [];
    const directByKind = new Map<string, number[]>(KINDS.map((k) => [k.label, []]));
    const directByTemplate = new Map<string, number[]>(TEMPLATES.map((t) => [t.when, []])); // single-series rules only
    const points = new Map<string, number>();
    for (let rep = 0; rep < settings.directReps; rep++) {
      for (const { job, rules } of targets) {
        const frame = job.history.frame;
        for (const rule of rules) {
          const info = infos.get(rule.name)!;
          points.set(info.kind.label, frame.fields[0]?.values.length ?? 0);
          const t0 = performance.now();
          evaluateRule(rule, frame, Date.now(), new Map());
          const ms = performance.now() - t0;
          direct.push(ms);
          directByKind.get(info.kind.label)!.push(ms);
          if (info.kind.hosts === 0) directByTemplate.get(info.template.when)!.push(ms);
        }
      }
      await sleep(0); // let the jobs' ticks through between passes
    }

    const evalTable = formatTable(
      ['what (ms)', 'rows now', 'samples', 'p50', 'p99', 'max'],
      [
        row('engine listener, per rule: all', perRule, 3, ['']),
        row('  of which the engine\'s `change` handlers', perRuleChange, 3, ['']),
        row('  without the `change` handlers', perRuleNoChange, 3, ['']),
        ...KINDS.map((k) => row(`  ${k.label}`, byKind.get(k.label)!, 3, [String(points.get(k.label) ?? '')])),
        row('engine listeners, per delivery (10 rules)', perDelivery, 3, ['']),
        row('evaluateRule alone, per rule: all', direct, 3, ['']),
        ...KINDS.map((k) => row(`  ${k.label}`, directByKind.get(k.label)!, 3, [String(points.get(k.label) ?? '')])),
      ],
    );
    const templateTable = formatTable(
      ['condition (evaluateRule alone, single-series rules, ms)', 'samples', 'p50', 'p99', 'max'],
      TEMPLATES.map((t) => row(`${t.when}${t.clear === undefined ? '' : ` / clear ${t.clear}`}`, directByTemplate.get(t.when)!)),
    );
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const engineMs = perRule.reduce((a, b) => a + b, 0);
    const lines = [
      `alerts scenario: ${DASHBOARDS} dashboards, ${targets.length} line widgets every ${EVERY_MS} ms on an in-process source, ${ruleCount} rules ` +
        `(10 per widget; the ${KINDS[3]!.label} widgets' rules split by host), all notifying a webhook receiver on loopback; ` +
        `${settings.seconds} s window after ${settings.warmupSeconds} s warm-up (server start with the first query of every history: ${(startMs / 1000).toFixed(1)} s)`,
      '',
      'evaluation cost (engine listener = the rule\'s whole synchronous cost on a delivery, timed around its job listener; evaluateRule alone = on the jobs\' frames afterwards):',
      evalTable,
      '',
      templateTable,
      '',
      `process over the window: CPU ${fixed((100 * cpuMs) / wallMs, 1)} % of one core (user ${fixed(cpu.user / 1000 / wallMs * 100, 1)} %, system ${fixed(cpu.system / 1000 / wallMs * 100, 1)} %), ` +
        `event loop busy ${fixed(100 * elu.utilization, 1)} %; rule listeners ${fixed((100 * engineMs) / wallMs, 1)} % of wall time`,
      `  ${runs} job runs (${fixed(runs / (wallMs / 1000), 1)}/s, ${skipped} ticks skipped), ${evaluations} evaluations (${fixed(evaluations / (wallMs / 1000), 0)}/s, ` +
        `including recheck timers), ${notifications} webhook POSTs (${fixed(notifications / (wallMs / 1000), 1)}/s), ${firing} alerts not ok at the end`,
    ];
    if (profile.length > 0) lines.push('', ...profile);
    return { lines, ruleP99 };
  } finally {
    for (const r of restore) r();
    await stop();
    await sink.close();
  }
}

interface Flip {
  value: number;
  status: string;
  flipAt: number;
  ranAt: number;
  returnedAt: number;
  deliveredAt: number;
  hookAt: number;
}

/** Part 2: flips of a level across a `for: 0s` rule's threshold, timed to the webhook. */
async function delay(settings: AlertsSettings, log: (line: string) => void): Promise<{ lines: string[]; p99FromResult: number }> {
  const hookAt: number[] = [];
  const receiver: HttpReceiver = await httpReceiver((n, res) => {
    hookAt[n - 1] = performance.now();
    res.end('ok');
  });
  level.value = 0;
  level.runs.length = 0;
  const { server, stop } = await serve('rtdash-bench-alert-delay-', delayScenario('hook', EVERY_MS), receiver.url);
  const flips: Flip[] = [];
  let restore = () => {};
  try {
    const { job } = jobAndRules(server, 'delay', 'level');
    const deliveries: { at: number; value: number }[] = [];
    restore = wrapListeners(job, (_i, _n, _ms, startedAt) => {
      const values = job.history.frame.fields.find((f) => f.name === 'value')?.values ?? [];
      deliveries.push({ at: startedAt, value: values[values.length - 1] as number });
    });
    await until('two deliveries of the level', () => deliveries.length >= 2, 10_000);
    log(`bench: alerts: ${settings.flips} flips of the level, webhook delay`);
    for (let i = 0; i < settings.flips; i++) {
      await sleep(200 + Math.random() * EVERY_MS); // a random phase against the job's ticks
      const up = i % 2 === 0;
      const value = up ? LEVEL_THRESHOLD * 2 + i : i % LEVEL_THRESHOLD;
      const flipAt = performance.now();
      level.value = value;
      const wait = receiver.waitFor(i + 1);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([wait, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no webhook for flip ${i + 1} within 10 s`)), 10_000)))]);
      clearTimeout(timer);
      const body = JSON.parse(receiver.requests[i]!.body) as { group: { status: string }; notifications: { value: number | null }[] };
      const run = level.runs.find((r) => r.ranAt >= flipAt && r.value === value);
      const delivered = deliveries.find((d) => run !== undefined && d.at >= run.returnedAt && d.value === value);
      if (run === undefined || delivered === undefined) throw new Error(`flip ${i + 1}: no query run or delivery with the value ${value}`);
      const expected = up ? 'firing' : 'resolved';
      if (body.group.status !== expected) throw new Error(`flip ${i + 1}: expected a ${expected} notification, got ${body.group.status}`);
      flips.push({ value, status: body.group.status, flipAt, ranAt: run.ranAt, returnedAt: run.returnedAt, deliveredAt: delivered.at, hookAt: hookAt[i]! });
    }
  } finally {
    restore();
    await stop();
    await receiver.close();
  }
  const of = (f: (x: Flip) => number) => flips.map(f);
  const fromResult = of((f) => f.hookAt - f.returnedAt);
  const table = formatTable(
    ['stage (ms)', 'samples', 'p50', 'p99', 'max'],
    [
      row('value changed → webhook POST received (includes the wait for the next tick)', of((f) => f.hookAt - f.flipAt), 1),
      row('  wait for the job\'s next tick (the widget\'s interval)', of((f) => f.ranAt - f.flipAt), 1),
      row('query returned the new value → webhook POST received', fromResult, 1),
      row('  query returned → job delivered to the engine', of((f) => f.deliveredAt - f.returnedAt), 2),
      row('  job delivered → webhook POST received (engine + store flush + outbox + HTTP)', of((f) => f.hookAt - f.deliveredAt), 1),
      row('    of which firing', flips.filter((f) => f.status === 'firing').map((f) => f.hookAt - f.deliveredAt), 1),
      row('    of which resolved', flips.filter((f) => f.status === 'resolved').map((f) => f.hookAt - f.deliveredAt), 1),
    ],
  );
  return {
    lines: [
      `delay scenario: one line widget every ${EVERY_MS} ms with a "last() > ${LEVEL_THRESHOLD}", for: 0s rule, on its own server (no other rules); ` +
        `the level flipped ${flips.length} times (up and down, firing and resolved each count) at a random phase; one webhook receiver on loopback`,
      table,
    ],
    p99FromResult: pct(fromResult, 0.99),
  };
}

/** Runs the suite and prints its report; returns the number of parts that failed. */
export async function runAlertsSuite(log: (line: string) => void = (line) => console.error(line), settings: AlertsSettings = readAlertsSettings()): Promise<number> {
  let failures = 0;
  const goals: string[] = [];
  const verdict = (ok: boolean) => (ok ? 'MET' : 'NOT MET');
  try {
    const evaluation = await evaluationCost(settings, log);
    console.log(evaluation.lines.join('\n'));
    goals.push(`  a rule's evaluation < ${GOAL_RULE_P99_MS} ms at p99 (engine listener, all rules): ${verdict(evaluation.ruleP99 < GOAL_RULE_P99_MS)} (p99 ${fixed(evaluation.ruleP99, 3)} ms)`);
  } catch (err) {
    failures++;
    console.log(`FAILED: alerts evaluation cost: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  }
  console.log('');
  try {
    const d = await delay(settings, log);
    console.log(d.lines.join('\n'));
    goals.push(`  job's result → webhook < ${GOAL_DELAY_MS} ms at p99 (the interval wait not included): ${verdict(d.p99FromResult < GOAL_DELAY_MS)} (p99 ${fixed(d.p99FromResult, 1)} ms)`);
  } catch (err) {
    failures++;
    console.log(`FAILED: alerts delay: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  }
  console.log(['goals:', ...goals].join('\n'));
  return failures;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(machineLine(undefined));
  runAlertsSuite().then(
    (failures) => {
      process.exitCode = failures > 0 ? 1 : 0;
    },
    (err: unknown) => {
      console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 1;
    },
  );
}
