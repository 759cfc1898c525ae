/**
 * The server's Prometheus metrics (prom-client), in a registry of its own so that several servers
 * can live in one process (tests) without sharing figures.
 */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import { QueryMetrics } from './query-metrics.js';
import { VERSION } from './version.js';
import { ALERT_STATES } from './alerts/rule-state.js';

/** Plain counters bumped on hot paths; exported to Prometheus at scrape time, not per message. */
export interface HotCounters {
  queries: number;
  messagesSent: number;
  bytesSent: number;
  /** Messages sent, by transport. */
  messagesByTransport: { ws: number; sse: number; poll: number };
  /** WebSocket connections ended, by close code. */
  closes: Map<number, number>;
  /** Widgets of a resuming viewer given exactly what they missed, or their whole state again. */
  resumes: { exact: number; snapshot: number };
  /** WebSocket connections dropped for not answering a heartbeat ping. */
  heartbeatMisses: number;
}

/** How often the event-loop delay histogram (nodejs_eventloop_lag_*) takes a sample. */
const EVENT_LOOP_SAMPLE_MS = 100;

/**
 * prom-client's sums of `nodejs_active_{handles,requests,resources}` (by type, kept) are gauges named `_total`,
 * which `promtool check metrics` refuses (a `_total` is a counter); `sum(nodejs_active_handles)` gives each.
 */
const NOT_PROMETHEUS_CLEAN = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

/** What the server's gauges read when scraped. */
export interface MetricSources {
  viewers(): number;
  connections(): number;
  jobs(): number;
  slots?(): number;
  /** Open connections by transport (ws, sse, poll sessions). */
  transports?(): Record<'ws' | 'sse' | 'poll', number>;
  /** The alerts as the engine shows them: counted by state. */
  alerts?(): readonly { state: string }[];
}

/** All metrics of one server. */
export class Metrics {
  readonly registry = new Registry();
  readonly hot: HotCounters = { queries: 0, messagesSent: 0, bytesSent: 0, messagesByTransport: { ws: 0, sse: 0, poll: 0 }, closes: new Map(), resumes: { exact: 0, snapshot: 0 }, heartbeatMisses: 0 };
  /** rtdash_queries_total and rtdash_query_duration_seconds: a job keeps its source's `queries.of(name)`. */
  readonly queries: QueryMetrics;
  /** The same figures as `queries`, for callers that record a duration with its labels. */
  readonly queryDuration: Pick<QueryMetrics, 'observe'>;
  readonly skippedTicks: Counter<'reason'>;
  readonly slowClients: Counter<'action'>;
  readonly allocatorTrims: Counter<'released'>;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    const hot = this.hot;
    // The event-loop delay histogram samples on a timer of its own: every 20 ms cost an otherwise quiet server
    // more CPU than 200 job runs a second (docs/benchmarks.md, "Job runs"); every 100 ms still catches any stall
    // a viewer would notice.
    // The standard process_* and nodejs_* names, unprefixed, so stock Node.js dashboards and alerts match.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS });
    for (const name of NOT_PROMETHEUS_CLEAN) this.registry.removeSingleMetric(name);
    new Gauge({ name: 'rtdash_build_info', help: 'Always 1; the labels say which rtdash and Node.js this is', labelNames: ['version', 'nodejs'], registers }).set({ version: VERSION, nodejs: process.versions.node }, 1);
    new Gauge({
      name: 'rtdash_alerts',
      help: 'Alerts by state (pending, firing, resolved, nodata, error), as GET /api/alerts lists them; alerts in ok are not counted',
      labelNames: ['state'],
      registers,
      collect() {
        this.reset();
        for (const state of ALERT_STATES) if (state !== 'ok') this.set({ state }, 0);
        for (const alert of sources.alerts?.() ?? []) this.inc({ state: alert.state });
      },
    });
    new Gauge({ name: 'rtdash_viewers', help: 'Dashboard subscriptions being served', registers, collect() { this.set(sources.viewers()); } });
    new Gauge({ name: 'rtdash_connections', help: 'Open WebSocket and SSE connections', registers, collect() { this.set(sources.connections()); } });
    new Gauge({ name: 'rtdash_connection_slots', help: 'Per-IP connection slots in use (WebSocket, SSE, long-poll sessions, waiting widget requests); a slot nothing holds is a leak', registers, collect() { this.set(sources.slots?.() ?? 0); } });
    new Gauge({ name: 'rtdash_jobs_running', help: 'Scheduled jobs', registers, collect() { this.set(sources.jobs()); } });
    new Counter({ name: 'rtdash_messages_sent_total', help: 'Protocol messages sent to clients', registers, collect() { this.reset(); this.inc(hot.messagesSent); } });
    new Counter({ name: 'rtdash_bytes_sent_total', help: 'Protocol bytes sent to clients', registers, collect() { this.reset(); this.inc(hot.bytesSent); } });
    new Gauge({
      name: 'rtdash_transport_connections',
      help: 'Open connections by transport: ws (WebSocket), sse (Server-Sent Events), poll (long-poll sessions)',
      labelNames: ['transport'],
      registers,
      collect() {
        const counts = sources.transports?.() ?? { ws: 0, sse: 0, poll: 0 };
        for (const [transport, n] of Object.entries(counts)) this.set({ transport }, n);
      },
    });
    new Counter({
      name: 'rtdash_transport_messages_total',
      help: 'Protocol messages sent to clients, by transport',
      labelNames: ['transport'],
      registers,
      collect() {
        this.reset();
        for (const [transport, n] of Object.entries(hot.messagesByTransport)) this.inc({ transport }, n);
      },
    });
    new Counter({
      name: 'rtdash_websocket_closes_total',
      help: 'WebSocket connections ended, by close code (1000 normal, 1001 going away, 1006 dropped, 4008 too slow…; docs/protocol.md)',
      labelNames: ['code'],
      registers,
      collect() {
        this.reset();
        for (const [code, n] of hot.closes) this.inc({ code: String(code) }, n);
      },
    });
    new Counter({
      name: 'rtdash_widget_resumes_total',
      help: 'Widgets of a reconnecting viewer that got exactly the updates they missed (exact) or their whole state again (snapshot)',
      labelNames: ['outcome'],
      registers,
      collect() {
        this.reset();
        this.inc({ outcome: 'exact' }, hot.resumes.exact);
        this.inc({ outcome: 'snapshot' }, hot.resumes.snapshot);
      },
    });
    new Counter({ name: 'rtdash_heartbeat_misses_total', help: 'WebSocket connections dropped for not answering a heartbeat ping', registers, collect() { this.reset(); this.inc(hot.heartbeatMisses); } });
    this.queries = new QueryMetrics(registers);
    this.queryDuration = this.queries;
    this.skippedTicks = new Counter({ name: 'rtdash_ticks_skipped_total', help: 'Ticks not run: the previous run was still going (overlap) or the job is backing off', labelNames: ['reason'], registers });
    this.slowClients = new Counter({ name: 'rtdash_slow_clients_total', help: 'Clients conflated for falling behind (conflated), closed for staying behind (closed) or for passing max_client_queue_bytes (overflowed)', labelNames: ['action'], registers });
    // Every series from the start, at 0: increase() over the first closures needs a sample before them.
    for (const action of ['conflated', 'closed', 'overflowed']) this.slowClients.inc({ action }, 0);
    this.allocatorTrims = new Counter({ name: 'rtdash_allocator_trims_total', help: 'Times the C allocator was asked to hand free memory back after a burst of connections, by whether it released any (glibc only)', labelNames: ['released'], registers });
  }

  /** The text exposition format. */
  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
