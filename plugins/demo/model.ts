/**
 * The simulated shop behind the `demo` plugin. Every figure is a pure function of (seed, timezone, region,
 * time): no state, no clock, no Math.random. That is what lets back-filled history and live points agree,
 * two server instances show the same numbers, and a reconnecting viewer see the series it left.
 */

/** The shop's regions, in the order rows and weights use. */
export const REGIONS = ['eu', 'us', 'apac'] as const;
/** One region of the shop. */
export type Region = (typeof REGIONS)[number];

/** One simulated order. Totals are in EUR. */
export interface Order {
  time: number;
  region: Region;
  id: string;
  /** In cents, so sums over many orders stay exact. */
  totalCents: number;
}

/** Latency percentiles in milliseconds. */
export interface Latency {
  p50: number;
  p95: number;
  p99: number;
}

interface Profile {
  /** Active users at the daily peak. */
  users: number;
  /** Conversion in percent at an average hour. */
  conversion: number;
  /** Median response time at an average load. */
  latencyMs: number;
  /** Median basket in EUR. */
  basket: number;
}

// Sizes differ so that "all" is not three equal thirds and the bar chart has something to say.
const PROFILE: Record<Region, Profile> = {
  eu: { users: 1800, conversion: 3.4, latencyMs: 62, basket: 44 },
  us: { users: 1500, conversion: 3.0, latencyMs: 74, basket: 51 },
  apac: { users: 900, conversion: 2.4, latencyMs: 118, basket: 38 },
};

/** How long an average visit lasts: turns active users into sessions per minute. */
const SESSION_MINUTES = 8;
const HOUR = 3_600_000;
const INCIDENT_BUCKET = 30 * 60_000;
const RATE_BUCKET_S = 10;

// Hash keys: one per independent random stream, so no two figures share noise.
const Key = {
  Users: 1,
  Conversion: 2,
  Latency: 3,
  Latency95: 4,
  Latency99: 5,
  Errors: 6,
  Order: 7,
  OrderMs: 8,
  BasketA: 9,
  BasketB: 10,
  Status: 11,
  Incident: 12,
  IncidentStart: 13,
  IncidentLength: 14,
  IncidentSeverity: 15,
  Walk: 100,
} as const;

// Periods (ms) and weights of the slow drift; incommensurate so the pattern never visibly repeats.
const WALK_PERIODS = [11 * 60_000, 37 * 60_000, 3.1 * HOUR];
const WALK_WEIGHTS = [0.05, 0.07, 0.1];

/**
 * A uniform number in [0, 1) from four integers (murmur3 mixing). Deterministic: the same inputs give the same output.
 * @example hash01(1, 7, 0, 1_700_000_000) // always the same value
 */
export function hash01(seed: number, key: number, region: number, index: number): number {
  let h = mix(0x9747b28c ^ seed, key);
  h = mix(h, region);
  h = mix(h, index >>> 0);
  h = mix(h, Math.floor(index / 4_294_967_296));
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4_294_967_296;
}

function mix(h: number, value: number): number {
  let k = Math.imul(value | 0, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

/** The simulation for one seed and timezone. Cheap to build; caches only seeded phases and the latest order rates. */
export class Shop {
  private readonly phases = new Map<number, number[]>();
  /** The last order rate computed per region: a one-entry memo, enough for sweeps that move through time. */
  private readonly rates: ({ bucket: number; rate: number } | undefined)[] = [];

  /** `tzOffsetHours` places the daily shape: night is quiet and the afternoon busy in that timezone. */
  constructor(
    readonly seed: number,
    readonly tzOffsetHours: number,
  ) {}

  /** Traffic relative to the daily peak: about 0.1 at 03:30 local time, 1 at 15:30, a bump at 20:30. */
  load(t: number): number {
    const hour = (((t / HOUR + this.tzOffsetHours) % 24) + 24) % 24;
    const base = 0.55 - 0.45 * Math.cos((2 * Math.PI * (hour - 3.5)) / 24);
    const d = Math.abs(hour - 20.5);
    const dist = Math.min(d, 24 - d);
    return base + 0.12 * Math.exp(-(dist * dist) / 2);
  }

  /** Active users in a region at time t (an integer). */
  users(region: Region, t: number): number {
    return Math.round(this.meanUsers(region, t) * (1 + 0.02 * this.noise(Key.Users, region, t)));
  }

  /** Conversion in percent (0..100) of a region at time t. */
  conversion(region: Region, t: number): number {
    const value = this.meanConversion(region, t) + 0.05 * this.noise(Key.Conversion, region, t);
    return round(Math.min(100, Math.max(0, value)), 2);
  }

  /** Share of failed requests in percent (0..100) of a region at time t. */
  errorRate(region: Region, t: number): number {
    const load = this.load(t);
    const value =
      0.15 + 0.25 * load * load + 0.1 * this.walk(Key.Errors, region, t) + 1.6 * this.incident(region, t) + 0.03 * this.noise(Key.Errors, region, t);
    return round(Math.min(100, Math.max(0, value)), 3);
  }

  /** Response-time percentiles of a region at time t: rise with load, jump during incidents. */
  latency(region: Region, t: number): Latency {
    const incident = this.incident(region, t);
    const p50 =
      PROFILE[region].latencyMs *
      (0.85 + 0.35 * this.load(t)) *
      (1 + 0.5 * this.walk(Key.Latency, region, t)) *
      (1 + 0.8 * incident) *
      (1 + 0.04 * this.noise(Key.Latency, region, t));
    const p95 = p50 * (2.3 + 0.15 * this.noise(Key.Latency95, region, t) + 0.3 * incident);
    const p99 = p95 * (1.7 + 0.12 * this.noise(Key.Latency99, region, t) + 0.4 * incident);
    return { p50: round(p50, 1), p95: round(p95, 1), p99: round(p99, 1) };
  }

  /** Expected orders per minute of a region at time t: sessions per minute times conversion. */
  orderRate(region: Region, t: number): number {
    return ((this.meanUsers(region, t) / SESSION_MINUTES) * this.meanConversion(region, t)) / 100;
  }

  /** Weight of a region in "all" averages (its traffic at time t). */
  weight(region: Region, t: number): number {
    return this.meanUsers(region, t);
  }

  /**
   * The order placed in a region during one second (epoch seconds), if any. At most one per region and second,
   * which is plenty below 60 orders a minute per region.
   */
  orderAt(region: Region, second: number): Order | undefined {
    const r = regionIndex(region);
    const chance = Math.min(0.9, this.bucketRate(region, second) / 60);
    if (hash01(this.seed, Key.Order, r, second) >= chance) return undefined;
    // Baskets are log-normal: many small ones, a long tail of big ones.
    const u1 = hash01(this.seed, Key.BasketA, r, second) || 1e-9;
    const u2 = hash01(this.seed, Key.BasketB, r, second);
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    const total = Math.max(4.99, PROFILE[region].basket * Math.exp(0.5 * z));
    return {
      time: second * 1000 + Math.floor(hash01(this.seed, Key.OrderMs, r, second) * 1000),
      region,
      id: `${region.toUpperCase()}-${second.toString(36).toUpperCase()}`,
      totalCents: Math.round(total * 100),
    };
  }

  /** The status an order has when looked at `now`: it moves from pending to paid to shipped, a few fail or get refunded. */
  status(order: Order, now: number): string {
    const age = now - order.time;
    if (age < 15_000) return 'pending';
    const u = hash01(this.seed, Key.Status, regionIndex(order.region), Math.floor(order.time / 1000));
    const failed = 0.02 + this.errorRate(order.region, order.time) / 100;
    if (u < failed) return 'failed';
    if (u < failed + 0.02) return age < 120_000 ? 'paid' : 'refunded';
    return age < 300_000 ? 'paid' : 'shipped';
  }

  /**
   * How bad an incident is in a region at time t (0 = none, up to 3). About one 30-minute window in sixteen holds
   * one incident of 3 to 8 minutes that swells and fades, so latency and error-rate charts have events to show.
   */
  incident(region: Region, t: number): number {
    const r = regionIndex(region);
    const bucket = Math.floor(t / INCIDENT_BUCKET);
    if (hash01(this.seed, Key.Incident, r, bucket) >= 0.06) return 0;
    const start = bucket * INCIDENT_BUCKET + hash01(this.seed, Key.IncidentStart, r, bucket) * 22 * 60_000;
    const length = (3 + 5 * hash01(this.seed, Key.IncidentLength, r, bucket)) * 60_000;
    if (t < start || t > start + length) return 0;
    const severity = 0.5 + 2.5 * hash01(this.seed, Key.IncidentSeverity, r, bucket);
    return severity * Math.sin((Math.PI * (t - start)) / length) ** 2;
  }

  /**
   * The order rate at the start of the 10 s bucket holding `second`. The rate hardly moves in 10 s, and sweeps over
   * consecutive seconds (a series, the recent-orders table) then compute it once per bucket instead of every second.
   */
  private bucketRate(region: Region, second: number): number {
    const bucket = Math.floor(second / RATE_BUCKET_S);
    const r = regionIndex(region);
    const cached = this.rates[r];
    if (cached !== undefined && cached.bucket === bucket) return cached.rate;
    const rate = this.orderRate(region, bucket * RATE_BUCKET_S * 1000);
    this.rates[r] = { bucket, rate };
    return rate;
  }

  private meanUsers(region: Region, t: number): number {
    return PROFILE[region].users * this.load(t) * (1 + this.walk(Key.Users, region, t));
  }

  private meanConversion(region: Region, t: number): number {
    const dip = 1 - 0.2 * Math.min(1, this.incident(region, t));
    return PROFILE[region].conversion * (0.8 + 0.3 * this.load(t)) * (1 + 0.5 * this.walk(Key.Conversion, region, t)) * dip;
  }

  /** A smooth drift in about [-0.22, 0.22]: a few slow sines whose phases come from the seed. */
  private walk(key: number, region: Region, t: number): number {
    const r = regionIndex(region);
    const id = key * 8 + r;
    let phases = this.phases.get(id);
    if (phases === undefined) {
      phases = WALK_PERIODS.map((_, k) => 2 * Math.PI * hash01(this.seed, Key.Walk + key, r, k));
      this.phases.set(id, phases);
    }
    let sum = 0;
    for (let k = 0; k < WALK_PERIODS.length; k++) {
      sum += (WALK_WEIGHTS[k] as number) * Math.sin((2 * Math.PI * t) / (WALK_PERIODS[k] as number) + (phases[k] as number));
    }
    return sum;
  }

  /** Per-second noise in [-1, 1): keyed on the second, not the widget's step, so every widget sees the same value. */
  private noise(key: number, region: Region, t: number): number {
    return 2 * hash01(this.seed, key, regionIndex(region), Math.floor(t / 1000)) - 1;
  }
}

function regionIndex(region: Region): number {
  return REGIONS.indexOf(region);
}

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}
