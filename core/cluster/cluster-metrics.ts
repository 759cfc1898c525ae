/** The figures of this instance's part in a cluster, in the server's registry (docs/cluster.md lists them). */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** What the gauges read when scraped. */
export interface ClusterReadings {
  degraded(): boolean;
  members(): number;
  held(): number;
  followed(): number;
}

export class ClusterMetrics {
  readonly leasesTaken: Counter;
  readonly leasesLost: Counter<'reason'>;
  readonly fencedWrites: Counter;
  readonly publishes: Counter;
  readonly relayed: Counter;
  readonly relayLag: Histogram;

  constructor(registry: Registry, read: ClusterReadings) {
    const registers = [registry];
    new Gauge({ name: 'rtdash_cluster_degraded', help: 'Whether this instance runs its viewers\' jobs on its own because Redis is away (1: "degraded: local")', registers, collect() { this.set(read.degraded() ? 1 : 0); } });
    new Gauge({ name: 'rtdash_cluster_members', help: 'Instances alive in the cluster, as of this instance\'s last heartbeat', registers, collect() { this.set(read.members()); } });
    new Gauge({ name: 'rtdash_cluster_jobs_held', help: 'Jobs whose lease this instance holds: it runs their queries for the whole cluster', registers, collect() { this.set(read.held()); } });
    new Gauge({ name: 'rtdash_cluster_jobs_followed', help: 'Jobs another instance runs whose updates this instance relays to its viewers', registers, collect() { this.set(read.followed()); } });
    this.leasesTaken = new Counter({ name: 'rtdash_cluster_leases_taken_total', help: 'Job leases this instance took', registers });
    this.leasesLost = new Counter({ name: 'rtdash_cluster_leases_lost_total', help: 'Job leases this instance lost: taken by another instance, or run out before a renewal', labelNames: ['reason'], registers });
    for (const reason of ['taken', 'expired']) this.leasesLost.inc({ reason }, 0); // both series from the first scrape
    this.fencedWrites = new Counter({ name: 'rtdash_cluster_fenced_writes_total', help: 'Updates this instance made after its lease had gone, refused by the fence', registers });
    this.publishes = new Counter({ name: 'rtdash_cluster_publishes_total', help: 'Updates this instance published to the cluster as a job\'s holder', registers });
    this.relayed = new Counter({ name: 'rtdash_cluster_relayed_total', help: 'Updates made by another instance that this instance relayed to its viewers', registers });
    this.relayLag = new Histogram({
      name: 'rtdash_cluster_relay_lag_seconds',
      help: 'From a job\'s result on its holder to its relay here (the two instances\' clocks)',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
  }
}
