/**
 * The server end of the bench's IPC, shared by rtdash-peer and naive-peer: says when it is ready,
 * answers CPU and memory samples from inside the process, profiles the measured window on request,
 * and stops on request, on a signal, or when the orchestrator goes away.
 */
import type { ServerCommand, ServerReport } from './ipc.js';
import { WindowProfiler } from './profiler.js';

/** What a bench server offers the harness. */
export interface BenchServer {
  port: number;
  /** Open viewer connections. */
  connections(): number;
  /** The durations of the fan-out passes since the last call, in ms. */
  takeFanoutMs(): number[];
  /** Closes the server and everything it holds. */
  close(): Promise<void>;
}

/** Reports `ready` and serves the orchestrator's commands until told to stop. */
export function serveOverIpc(server: BenchServer): void {
  const report = (message: ServerReport) => process.send?.(message);
  const profiler = new WindowProfiler();
  let stopping: Promise<void> | undefined;
  let stopped = false;
  const stop = () => (stopping ??= server.close().catch((err: unknown) => console.error('bench server: close failed:', err)));

  process.on('message', (raw) => {
    const command = raw as ServerCommand;
    void handle(command).catch((err: unknown) => report({ type: 'failed', error: err instanceof Error ? err.message : String(err) }));
  });
  const handle = async (command: ServerCommand): Promise<void> => {
    switch (command.type) {
      case 'sample': {
        if (command.gc) await collectGarbage();
        const cpu = process.cpuUsage();
        report({ type: 'sample', cpuMicros: cpu.user + cpu.system, rss: process.memoryUsage.rss(), connections: server.connections(), fanoutMs: server.takeFanoutMs() });
        return;
      }
      case 'profile-start':
        await profiler.start();
        report({ type: 'profiling' });
        return;
      case 'profile-stop':
        await profiler.stop(command.file);
        report({ type: 'profiled', file: command.file });
        return;
      case 'stop':
        await stop();
        report({ type: 'stopped' });
        // From here the process should exit by itself; if a handle keeps it alive, the orchestrator says so.
        stopped = true;
        process.disconnect();
        return;
    }
  };
  // Whatever happens to the orchestrator, this process does not outlive it.
  process.on('disconnect', () => {
    if (!stopped) void stop().then(() => process.exit(0));
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void stop().then(() => process.exit(0)));
  report({ type: 'ready', port: server.port });
}

/** Two full collections a turn apart (with --expose-gc), so RSS samples are taken in a settled heap. */
async function collectGarbage(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) return;
  gc();
  await new Promise((resolve) => setTimeout(resolve, 50));
  gc();
}
