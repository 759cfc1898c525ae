/**
 * `npm run bench`: the fan-out benchmark. For each number of viewers, runs rtdash, the socket.io rooms
 * peer and the naive peer in turn (BENCH_RUNS times, interleaved), each in its own process, loaded by
 * separate viewer processes; then prints the table, the CPU ratios and whether the product's goals are
 * met. Then the scale suite (scale-suite.ts): server CPU as widgets and dashboards grow. Then the PostgreSQL suite (pg-suite.ts): the
 * database's queries at 1 to 1,000 viewers and push latency from NOTIFY. Then the browser suite
 * (browser-suite.ts): the elements against a naive page in Chromium. Then the alert engine
 * (alerts-suite.ts): 1,000 rules over 100 widgets, and the delay from data to webhook. Then time ranges
 * (ranges-suite.ts): "last 7 days" over 10 million rows in Chromium, the range cache, CPU per range request. Then
 * CPU per job run on a trivial source (jobs-suite.ts). Then 1 to 3 instances sharing work through Redis (cluster-suite.ts).
 * BENCH_SUITES picks the parts.
 * Knobs: see settings.ts and docs/benchmarks.md.
 */
import { killAll } from './child.js';
import { measure, type Measurement } from './measure.js';
import { goalLines } from './goals.js';
import { machineLine, noteLines, profileLines, resultTable } from './report.js';
import { runScaleSuite } from './scale-suite.js';
import { groups, ratioLines, summaryTable } from './summary.js';
import { interruptPostgresSuite, runPostgresSuite } from './pg-suite.js';
import { interruptBrowserSuite, runBrowserSuite } from './browser-suite.js';
import { runAlertsSuite } from './alerts-suite.js';
import { runRangesSuite } from './ranges-suite.js';
import { runJobsSuite } from './jobs-suite.js';
import { interruptClusterSuite, runClusterSuite } from './cluster-suite.js';
import { openFileLimit, readSettings, type Settings } from './settings.js';

/** File descriptors one process needs besides its sockets. */
const FD_HEADROOM = 200;

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\nbench: ${signal}, stopping the child processes`);
    // The private Redis's exit handling (test/support/private-process.ts) raises the signal again once it has
    // removed its server: that must not end the process before the clean-up below (bounded) is done.
    process.on(signal, () => undefined);
    killAll();
    // The postgres and cluster suites drop their schemas and the browser suite closes Chromium first (within a few seconds at most).
    void Promise.all([interruptPostgresSuite(), interruptBrowserSuite(), interruptClusterSuite()]).finally(() => process.exit(130));
  });
}

async function main(): Promise<number> {
  const settings = readSettings();
  const fdLimit = openFileLimit();
  console.log(machineLine(fdLimit));
  // The server holds one socket per viewer and so does a load process: each is its own process with this limit.
  const sizes = [
    ...(settings.suites.includes('fanout') ? settings.viewers : []),
    ...(settings.suites.includes('scale') ? [settings.scale.widgetViewers, settings.scale.dashboardViewers] : []),
    ...(settings.suites.includes('postgres') ? [...settings.pg.viewers, ...settings.pg.pushViewers] : []),
    ...(settings.suites.includes('cluster') ? [settings.cluster.viewers] : []),
  ];
  const need = Math.max(0, ...sizes) + FD_HEADROOM;
  if (fdLimit !== undefined && fdLimit < need) {
    console.log(`WARNING: open files limit ${fdLimit} < ${need} needed by the server process; raise it with \`ulimit -n ${need * 2}\``);
  }
  let failures = 0;
  if (settings.suites.includes('fanout')) failures += await fanout(settings);
  if (settings.suites.includes('scale')) {
    if (settings.suites.includes('fanout')) console.log('');
    failures += await runScaleSuite(settings, (line) => console.error(line));
  }
  if (settings.suites.includes('postgres')) {
    if (settings.suites.includes('fanout') || settings.suites.includes('scale')) console.log('');
    failures += await runPostgresSuite(settings, (line) => console.error(line));
  }
  if (settings.suites.includes('browser')) {
    if (settings.suites.some((suite) => suite !== 'browser')) console.log('');
    failures += await runBrowserSuite(settings, (line) => console.error(line));
  }
  if (settings.suites.includes('alerts')) {
    if (settings.suites.some((suite) => suite !== 'alerts')) console.log('');
    failures += await runAlertsSuite((line) => console.error(line));
  }
  if (settings.suites.includes('ranges')) {
    if (settings.suites.some((suite) => suite !== 'ranges')) console.log('');
    failures += await runRangesSuite(settings, (line) => console.error(line));
  }
  if (settings.suites.includes('jobs')) {
    if (settings.suites.some((suite) => suite !== 'jobs')) console.log('');
    failures += await runJobsSuite((line) => console.error(line));
  }
  if (settings.suites.includes('cluster')) {
    if (settings.suites.some((suite) => suite !== 'cluster')) console.log('');
    failures += await runClusterSuite(settings, (line) => console.error(line));
  }
  return failures > 0 ? 1 : 0;
}

/** The fan-out comparison; returns the number of measurements that failed. */
async function fanout(settings: Settings): Promise<number> {
  console.log(
    `scenario: 10 line widgets at 1 Hz, ${settings.seconds} s window after ${settings.warmupSeconds} s warm-up, ` +
      `up to ${settings.viewersPerLoad} viewers per load process, ${settings.runs} interleaved run(s)`,
  );
  const results: Measurement[] = [];
  let failures = 0;
  for (const viewers of settings.viewers) {
    for (let run = 1; run <= settings.runs; run++) {
      for (const impl of settings.impls) {
        console.error(`bench: ${impl} with ${viewers} viewers${settings.runs > 1 ? `, run ${run}` : ''}`);
        try {
          results.push(await measure(impl, viewers, settings, (line) => console.error(line), undefined, run));
        } catch (err) {
          failures++;
          console.log(`FAILED: ${impl} with ${viewers} viewers${settings.runs > 1 ? `, run ${run}` : ''}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    }
  }

  console.log('');
  console.log(resultTable(results));
  const all = groups(results);
  if (settings.runs > 1) console.log(['', `min/median/max over ${settings.runs} runs:`, summaryTable(all)].join('\n'));
  console.log('');
  for (const other of ['socketio', 'naive'] as const) {
    const ratios = ratioLines(all, other);
    if (ratios.length > 0) console.log([`server CPU per delivery, rtdash / ${other}${settings.runs > 1 ? ' (medians)' : ''}:`, ...ratios].join('\n'));
  }
  console.log(['goals:', ...goalLines(all)].join('\n'));
  console.log(['notes:', ...noteLines(results)].join('\n'));
  const profiles = profileLines(results);
  if (profiles.length > 0) console.log(['', ...profiles].join('\n'));
  return failures;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`bench failed: ${err instanceof Error ? err.message : String(err)}`);
    killAll();
    process.exitCode = 1;
  },
);
