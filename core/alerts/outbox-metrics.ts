/**
 * The outbox on /metrics: notifications sent and failed by notifier (each try), how many entries wait, and how
 * long the oldest has waited (a receiver that has been down for an hour shows as an hour).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Outbox } from './outbox.js';

/** Registers the outbox's metrics in `registry`, fed by its events and read from its figures at scrape. */
export function registerOutboxMetrics(outbox: Outbox, registry: Registry): void {
  const registers = [registry];
  const tries = new Counter({
    name: 'rtdash_notifications_total',
    help: 'Notification deliveries by notifier and outcome: sent (the receiver accepted it) or failed (a try that failed; it is retried)',
    labelNames: ['notifier', 'outcome'],
    registers,
    collect() {
      // Every notifier's series from the start, at 0: increase() needs a sample before the first delivery.
      for (const notifier of outbox.notifierNames()) for (const outcome of ['sent', 'failed']) this.inc({ notifier, outcome }, 0);
    },
  });
  outbox.on('delivered', ({ notifier }) => tries.inc({ notifier, outcome: 'sent' }));
  outbox.on('failed', ({ notifier }) => tries.inc({ notifier, outcome: 'failed' }));
  new Gauge({ name: 'rtdash_outbox_entries', help: 'Notifications waiting in the outbox for delivery', registers, collect() { this.set(outbox.stats().pending); } });
  new Gauge({
    name: 'rtdash_outbox_oldest_age_seconds',
    help: 'How long the oldest notification waiting in the outbox has waited; 0 when none waits',
    registers,
    collect() {
      const { oldestAt } = outbox.stats();
      this.set(oldestAt === undefined ? 0 : Math.max(0, (Date.now() - oldestAt) / 1000));
    },
  });
}
