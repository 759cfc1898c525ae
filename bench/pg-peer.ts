/**
 * The rtdash server process of the PostgreSQL benchmark: the real server with the built-in plugins,
 * one `postgres` source and the bench dashboard, configured by the orchestrator's first message. It
 * traces the push chain from inside without touching the core: the source's `subscribe` callback
 * (a NOTIFY passed on by the plugin), each query of a bench widget, and each hub flush.
 */
import { rmSync } from 'node:fs';
import { silentLogger } from '../core/logger.js';
import type { DataSource, Frame } from '../core/plugin.js';
import { startServer, type RtdashServer } from '../core/server.js';
import { builtinPlugins } from '../plugins/builtin.js';
import type { PgServerCommand, PgServerReport, ServerTrace } from './pg-ipc.js';
import { LIVE_WIDGET, PG_DASHBOARD_ID, PG_SOURCE, PG_WIDGETS, pgDashboardYaml, clockMs } from './pg-scenario.js';
import { serveOverIpc } from './server-child.js';
import { asBenchServer, benchConfig } from './bench-server.js';

/** The most events the trace keeps (a 30 s run makes a few hundred). */
const TRACE_LIMIT = 100_000;

const report = (message: PgServerReport) => process.send?.(message);
const trace: ServerTrace = { notified: [], queries: [], flushes: [], dropped: 0, wallMinusClock: 0 };
const widgetOfSql = new Map(PG_WIDGETS.map((w) => [w.sql, w.id]));
let server: RtdashServer | undefined;

process.on('message', (raw) => {
  const command = raw as PgServerCommand;
  if (command.type === 'configure') void configure(command);
  else if (command.type === 'status' && server !== undefined) {
    const source = server.sources.get(PG_SOURCE)?.source as { listening?: boolean } | undefined;
    report({ type: 'status', listening: source?.listening === true, queries: trace.queries.length, viewers: server.hub.viewers });
  } else if (command.type === 'trace') report({ type: 'trace', trace: { ...trace, wallMinusClock: Date.now() - clockMs() } });
});
// Until serveOverIpc takes over, an orchestrator that goes away takes this process with it.
process.once('disconnect', () => {
  if (server === undefined) process.exit(0);
});

async function configure(command: Extract<PgServerCommand, { type: 'configure' }>): Promise<void> {
  const { dir, config } = benchConfig('rtdash-bench-pg-', 'bench-pg.yaml', pgDashboardYaml(), [
    { name: PG_SOURCE, type: 'postgres', options: { url: command.url, application_name: command.applicationName } },
  ], { coalesceMs: command.coalesceMs });
  try {
    server = await startServer(config, { plugins: builtinPlugins, logger: silentLogger(), port: 0 });
    if (server.store.get(PG_DASHBOARD_ID) === undefined) throw new Error(`the bench dashboard did not load: ${JSON.stringify(server.store.problems)}`);
    const source = server.sources.get(PG_SOURCE)?.source;
    if (source === undefined) throw new Error(`no source "${PG_SOURCE}"`);
    traceSource(source);
    const fanoutMs = traceFlushes(server);
    traceIdle(server);
    serveOverIpc(asBenchServer(server, dir, fanoutMs));
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    report({ type: 'failed', error: `rtdash did not start: ${err instanceof Error ? err.message : String(err)}` });
    process.exitCode = 1;
    await server?.close().catch(() => undefined);
    process.disconnect?.();
  }
}

function record<T>(list: T[], event: T): void {
  if (list.length < TRACE_LIMIT) list.push(event);
  else trace.dropped++;
}

/**
 * Wraps the source's `query` (the job looks it up on every run) and `subscribe` (called when a job
 * starts listening) on the instance: a query's start and end, and the moment the plugin passes a NOTIFY on.
 */
function traceSource(source: DataSource): void {
  const query = source.query.bind(source);
  source.query = async (sql, ctx): Promise<Frame> => {
    const widget = widgetOfSql.get(sql as string) ?? '?';
    const start = clockMs();
    try {
      const frame = await query(sql, ctx);
      const first = frame.fields[0];
      const lastId = widget === LIVE_WIDGET && first?.name === 'id' && typeof first.values[0] === 'number' ? first.values[0] : undefined;
      record(trace.queries, { widget, start, end: clockMs(), ...(lastId !== undefined && { lastId }) });
      return frame;
    } catch (err) {
      record(trace.queries, { widget, start, end: clockMs(), error: err instanceof Error ? err.message : String(err) });
      throw err;
    }
  };
  const subscribe = source.subscribe?.bind(source);
  if (subscribe === undefined) throw new Error(`source "${PG_SOURCE}" cannot push`);
  source.subscribe = (listen, onChange, ctx) =>
    subscribe(
      listen,
      () => {
        record(trace.notified, clockMs());
        onChange();
      },
      ctx,
    );
}

/** Times each hub flush (as rtdash-peer does) and keeps its start and end (clockMs) for the trace. */
function traceFlushes(running: RtdashServer): number[] {
  const durations: number[] = [];
  const hub = running.hub;
  const flush = hub.flush.bind(hub);
  hub.flush = () => {
    const start = clockMs();
    const t0 = performance.now();
    flush();
    const ms = performance.now() - t0;
    durations.push(ms);
    record(trace.flushes, { start, end: start + ms });
  };
  return durations;
}

/** Notes when the last viewer left: from then on the dashboard's jobs stop at their next tick. */
function traceIdle(running: RtdashServer): void {
  const hub = running.hub;
  const removePeer = hub.removePeer.bind(hub);
  hub.removePeer = (peer) => {
    removePeer(peer);
    if (hub.viewers === 0 && trace.queries.length > 0) trace.idleSince ??= clockMs();
  };
}
