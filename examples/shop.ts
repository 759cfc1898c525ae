/** Realistic orders for the example shop: busier in the afternoon, three regions of different sizes. */
import { randomBytes } from 'node:crypto';

/** One order as the examples store it. */
export interface Order {
  id: string;
  createdAt: number;
  region: 'eu' | 'us' | 'apac';
  total: number;
  status: 'paid' | 'pending' | 'shipped' | 'failed';
}

const REGIONS = [
  { region: 'eu', weight: 0.5, basket: 48 },
  { region: 'us', weight: 0.35, basket: 61 },
  { region: 'apac', weight: 0.15, basket: 37 },
] as const;

/** Orders per second at this time of day (UTC): low at night, a peak mid-afternoon. */
export function rateAt(t: number): number {
  const hour = (t / 3_600_000) % 24;
  return 0.6 + 1.8 * Math.max(0, Math.sin(((hour - 6) / 24) * 2 * Math.PI));
}

/** The orders placed between `from` and `to` (epoch ms), drawn at random around the day's rate. */
export function ordersBetween(from: number, to: number): Order[] {
  const orders: Order[] = [];
  for (let t = from; t < to; t += 1000) {
    const expected = rateAt(t) * (Math.min(1000, to - t) / 1000);
    let n = Math.floor(expected) + (Math.random() < expected % 1 ? 1 : 0);
    while (n-- > 0) orders.push(order(t + Math.floor(Math.random() * 1000)));
  }
  return orders;
}

function order(createdAt: number): Order {
  let pick = Math.random();
  const r = REGIONS.find((x) => (pick -= x.weight) < 0) ?? REGIONS[0];
  const total = Math.round(r.basket * Math.exp((Math.random() - 0.5) * 1.2) * 100) / 100;
  const roll = Math.random();
  const status = roll < 0.03 ? 'failed' : roll < 0.2 ? 'pending' : roll < 0.6 ? 'paid' : 'shipped';
  return { id: `${r.region.toUpperCase()}-${randomBytes(4).toString('hex')}`, createdAt, region: r.region, total, status };
}
