#!/usr/bin/env node
/**
 * `npm run demo:seed`: creates the example shop in the servers config.example.yaml names
 * (PostgreSQL, MariaDB, Redis), back-fills the last hour of orders (from the newest order already
 * there, when an earlier seed left some), then keeps writing new ones until Ctrl-C (`--once`: no more).
 * A server that is not there is reported and skipped; the others are still seeded.
 */
import { join } from 'node:path';
import { loadServerConfig } from '../core/config/index.js';
import { packageRoot } from '../core/paths.js';
import { messageOf } from '../core/errors.js';
import { mysqlSink, postgresSink, type OrderSink } from './seed-sql.js';
import { redisSink } from './seed-redis.js';
import { ordersBetween } from './shop.js';

const SINKS: Record<string, (url: string) => Promise<OrderSink>> = { postgres: postgresSink, mysql: mysqlSink, redis: redisSink };

async function main(): Promise<void> {
  const file = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? join(packageRoot, 'config.example.yaml');
  const config = await loadServerConfig(file);
  const sinks: OrderSink[] = [];
  for (const source of config.datasources) {
    const make = SINKS[source.type];
    const url = source.options.url;
    if (make === undefined || typeof url !== 'string') continue;
    try {
      sinks.push(await make(url));
      console.log(`seeding ${source.name}: ${sinks.at(-1)!.name}`);
    } catch (err) {
      console.error(`skipping ${source.name} (${source.type}): ${messageOf(err)}`);
    }
  }
  if (sinks.length === 0) throw new Error(`no database named in ${file} could be reached`);
  const now = Date.now();
  // The last hour, less what an earlier seed already wrote: run twice, the charts show one hour, not a step.
  const written = await Promise.allSettled(
    sinks.map(async (sink) => {
      const from = Math.max(now - 3_600_000, ((await sink.newest()) ?? 0) + 1);
      const history = ordersBetween(from, now);
      await sink.write(history);
      console.log(`${sink.name}: wrote ${history.length} orders ${from === now - 3_600_000 ? 'of the last hour' : `since its newest (${new Date(from).toISOString()})`}`);
    }),
  );
  written.forEach((r, i) => r.status === 'rejected' && console.error(`${sinks[i]!.name}: ${messageOf(r.reason)}`));
  const once = process.argv.includes('--once');
  if (!once) console.log('now writing new ones every second (Ctrl-C to stop)');
  let last = now;
  const timer = setInterval(() => {
    const t = Date.now();
    const orders = ordersBetween(last, t);
    last = t;
    for (const sink of sinks) sink.write(orders).catch((err: unknown) => console.error(`${sink.name}: ${messageOf(err)}`));
  }, 1000);
  const stop = async () => {
    clearInterval(timer);
    await Promise.allSettled(sinks.map((s) => s.close()));
  };
  if (once) return stop();
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  console.error(`demo:seed: ${messageOf(err)}`);
  process.exitCode = 1;
});
