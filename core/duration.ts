/** Durations as written in YAML: `500ms`, `5s`, `1m`, `1h30m`, `1d`. */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/y;

/** The pattern a duration string must match; also used in the JSON Schemas. */
export const DURATION_PATTERN = '^-?(\\d+(\\.\\d+)?(ms|s|m|h|d|w))+$';

/**
 * Parses a duration into milliseconds, or returns an error message.
 * @example parseDuration('1m30s') // 90000
 */
export function parseDuration(text: string): number | string {
  const trimmed = text.trim();
  const negative = trimmed.startsWith('-');
  const body = negative ? trimmed.slice(1) : trimmed;
  if (body === '') return `"${text}" is not a duration (write it like 500ms, 5s, 1m, 1h)`;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < body.length) {
    const start = PART.lastIndex;
    const m = PART.exec(body);
    if (!m || m.index !== start) return `"${text}" is not a duration (write it like 500ms, 5s, 1m, 1h)`;
    total += Number(m[1]) * (UNIT_MS[m[2] as string] as number);
  }
  return negative ? -total : total;
}

/** Formats milliseconds the way a person writes them: 1500 → "1.5s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 60_000) return `${+(ms / 1000).toFixed(3)}s`;
  if (ms < 3_600_000) return `${+(ms / 60_000).toFixed(3)}m`;
  return `${+(ms / 3_600_000).toFixed(3)}h`;
}

/**
 * A long duration the way config.yaml writes it: days first, then the rest as formatDuration writes it.
 * @example formatDays(30 * 86_400_000) // '30d'; formatDays(31 * 86_400_000 + 1000) // '31d1s'
 */
export function formatDays(ms: number): string {
  const days = Math.floor(ms / 86_400_000);
  const rest = ms - days * 86_400_000;
  return days === 0 ? formatDuration(ms) : `${days}d${rest === 0 ? '' : formatDuration(rest)}`;
}
