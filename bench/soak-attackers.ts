/**
 * The soak's misbehaving-clients process: runs the mix soak.ts asks for against the server until told
 * to stop, then reports what the clients saw. A process of its own, so that their work does not delay
 * the well-behaved viewers' clocks in the orchestrator.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { AttackCommand, AttackReport, AttackStats } from './soak-ipc.js';
import { neverReading, reconnecting, slowloris, subscribeLoop, type Target } from './soak-attacks.js';

const report = (message: AttackReport) => process.send?.(message);
const handles = new Set<{ destroy(): void }>();
const stats: AttackStats = {
  opened: { neverReading: 0, subscribeLoop: 0, slowloris: 0, reconnecting: 0 },
  subscribes: 0,
  bytesRead: 0,
  closes: {},
  errors: 0,
};
const lag = monitorEventLoopDelay({ resolution: 10 });
let stopped = false;

process.on('message', (raw) => {
  const command = raw as AttackCommand;
  if (command.type === 'start') {
    const url = new URL(command.url);
    const target: Target = {
      host: url.hostname,
      port: Number(url.port),
      dashboard: command.dashboard,
      subscribeEveryMs: command.subscribeEveryMs,
      stats,
      stopped: () => stopped,
      track: (h) => handles.add(h),
      untrack: (h) => handles.delete(h),
    };
    lag.enable();
    const { mix } = command;
    for (let i = 0; i < mix.neverReading; i++) neverReading(target);
    for (let i = 0; i < mix.subscribeLoop; i++) subscribeLoop(target);
    for (let i = 0; i < mix.slowloris; i++) slowloris(target, i % 2 === 0);
    for (let i = 0; i < mix.reconnecting; i++) reconnecting(target);
    report({ type: 'started' });
  } else {
    stop();
    report({ type: 'stopped', stats, lagP99Ms: lag.percentile(99) / 1e6 });
    process.disconnect();
  }
});

function stop(): void {
  stopped = true;
  lag.disable();
  for (const handle of [...handles]) handle.destroy();
  handles.clear();
}

// Whatever happens to the orchestrator, these clients do not outlive it.
process.on('disconnect', () => {
  stop();
  setTimeout(() => process.exit(0), 100).unref();
});
report({ type: 'ready' });
