/** Widget states for element tests, as the stream would deliver them. */

/**
 * A widget state holding one time series: `values` one second apart, ending now, in the column `column`.
 * @example seriesState('revenue', [1, 2, 3], { status: 'error', error: { code: 'X', message: 'down' } })
 */
export function seriesState(column: string, values: (number | null)[], extra: object = {}) {
  const now = Date.now();
  return {
    frame: {
      fields: [
        { name: 'time', type: 'time', values: values.map((_, i) => now - (values.length - 1 - i) * 1000) },
        { name: column, type: 'number', values },
      ],
    },
    status: 'ok',
    at: now,
    lastGoodAt: now,
    seq: 1,
    ...extra,
  };
}
