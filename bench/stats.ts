/** Latency histograms, percentiles, and plain-text tables. */

/** Latencies past this many milliseconds share the last bucket. */
const MAX_MS = 60_000;

/** Counts of whole-millisecond latencies; cheap to fill at 50,000 a second and to merge across processes. */
export class Histogram {
  readonly #counts = new Uint32Array(MAX_MS + 1);
  #total = 0;

  /** Number of values recorded. */
  get total(): number {
    return this.#total;
  }

  /** Records one latency in ms (negative clamps to 0, huge ones to the last bucket). */
  add(ms: number): void {
    this.#counts[ms <= 0 ? 0 : ms >= MAX_MS ? MAX_MS : Math.floor(ms)]! += 1;
    this.#total++;
  }

  /** Forgets every value. */
  clear(): void {
    this.#counts.fill(0);
    this.#total = 0;
  }

  /** The non-empty buckets as [ms, count] pairs, for sending over IPC. */
  toPairs(): [number, number][] {
    const pairs: [number, number][] = [];
    this.#counts.forEach((count, ms) => {
      if (count > 0) pairs.push([ms, count]);
    });
    return pairs;
  }

  /** Adds the counts of `toPairs()` from another histogram. */
  addPairs(pairs: readonly (readonly [number, number])[]): void {
    for (const [ms, count] of pairs) {
      this.#counts[Math.min(Math.max(0, ms), MAX_MS)]! += count;
      this.#total += count;
    }
  }

  /**
   * The smallest latency that at least `p` (0..1) of the values do not exceed; NaN when empty.
   * @example h.percentile(0.99) // p99 in ms
   */
  percentile(p: number): number {
    if (this.#total === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(p * this.#total));
    let seen = 0;
    for (let ms = 0; ms <= MAX_MS; ms++) {
      seen += this.#counts[ms]!;
      if (seen >= rank) return ms;
    }
    return MAX_MS;
  }
}

/** Lays out rows under headers in columns: the first column left-aligned, the others right-aligned. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** A number with `digits` decimals, or `-` when it is not finite. */
export function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '-';
}

/** The median of some values (the mean of the two middle ones when even); NaN when there are none. */
export function medianOf(values: readonly number[]): number {
  const s = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/**
 * Values as `min / median / max` (one value as itself), `digits` decimals.
 * @example spreadOf([3, 1, 2], 0) // '1 / 2 / 3'
 */
export function spreadOf(values: readonly number[], digits: number): string {
  const xs = values.filter((v) => !Number.isNaN(v));
  if (xs.length <= 1) return fixed(xs[0] ?? Number.NaN, digits);
  return `${fixed(Math.min(...xs), digits)} / ${fixed(medianOf(xs), digits)} / ${fixed(Math.max(...xs), digits)}`;
}
