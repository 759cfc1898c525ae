/** "Did you mean" suggestions for misspelt keys, types and names. */

/** Edit distance counting a swap of two neighbours as one edit (optimal string alignment), since `titel` is one slip, not two. */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] as number;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      d[i * cols + j] = best;
    }
  }
  return at(rows - 1, cols - 1);
}

// Case and separators are the commonest slips (`publicUrl` for `public_url`), so they cost nothing.
function fold(s: string): string {
  return s.toLowerCase().replace(/[-_\s]/g, '');
}

/**
 * The candidate closest to `wrong`, if it is close enough to be a likely typo.
 * @example suggest('evry', ['every', 'cron', 'keep']) // 'every'
 */
export function suggest(wrong: string, candidates: Iterable<string>): string | undefined {
  const folded = fold(wrong);
  // Short words need a tighter bound, or every 3-letter key "looks like" every other one.
  const limit = folded.length <= 4 ? 1 : folded.length <= 8 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === wrong) continue;
    const distance = editDistance(folded, fold(candidate));
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  // Replacing every letter is not a typo: `c` should not suggest `a`.
  return bestDistance <= limit && bestDistance < folded.length ? best : undefined;
}

/** `; did you mean "x"?` when there is a close candidate, else the empty string. */
export function didYouMean(wrong: string, candidates: Iterable<string>): string {
  const hit = suggest(wrong, candidates);
  return hit === undefined ? '' : `; did you mean "${hit}"?`;
}

/** A readable list of names for messages: `a, b, c`, or `(none)`. */
export function listNames(names: Iterable<string>): string {
  const all = [...names];
  return all.length === 0 ? '(none)' : all.join(', ');
}
