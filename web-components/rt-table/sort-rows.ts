/** The row order of a sorted table: the frame stays as it came, only the indexes move. */
import type { Field, SortDirection } from '../client/types.js';

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/**
 * The row indexes of `field`'s frame in `direction` order of that column (stable, so equal values keep the order the
 * source gave them); absent values go last whichever the direction. Without a field, the frame's own order.
 */
export function sortRows(rows: number, field: Field | undefined, direction: SortDirection): number[] {
  const order = Array.from({ length: rows }, (_, i) => i);
  if (field === undefined) return order;
  const sign = direction === 'ascending' ? 1 : -1;
  const values = field.values;
  return order.sort((a, b) => {
    const [x, y] = [values[a] ?? null, values[b] ?? null];
    if (x === null || y === null) return x === y ? 0 : x === null ? 1 : -1;
    if (typeof x === 'string' || typeof y === 'string') return sign * collator.compare(String(x), String(y));
    return sign * (Number(x) - Number(y));
  });
}
