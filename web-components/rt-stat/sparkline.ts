/** The path of a sparkline: cheap enough to redraw on every update, so no chart library is involved. */
import { numberAt } from '../client/frame.js';
import type { Field } from '../client/types.js';

/** The sparkline's coordinate box; the SVG stretches it to the panel (`preserveAspectRatio="none"`). */
export const SPARK_WIDTH = 100;
export const SPARK_HEIGHT = 32;
/** At most this many points are drawn: more than a panel has pixels for is wasted work. */
const MAX_POINTS = 400;

/** The line through the values and the area under it, as SVG path data; empty when fewer than two points. */
export interface SparkPaths {
  line: string;
  area: string;
}

/**
 * Draws `values` against `times` (or evenly, without a time column), scaled to fill the box with a pixel of air
 * above and below; a null breaks the line.
 */
export function sparkPaths(values: Field, times: Field | undefined): SparkPaths {
  const end = values.values.length;
  const start = Math.max(0, end - MAX_POINTS);
  const xs: number[] = [];
  const ys: (number | null)[] = [];
  for (let i = start; i < end; i++) {
    const t = times === undefined ? i : numberAt(times, i);
    if (t === null) continue;
    xs.push(t);
    ys.push(numberAt(values, i));
  }
  const present = ys.filter((y): y is number => y !== null);
  if (present.length < 2) return { line: '', area: '' };
  const [x0, x1] = [xs[0]!, xs[xs.length - 1]!];
  let [lo, hi] = [Math.min(...present), Math.max(...present)];
  if (lo === hi) [lo, hi] = [lo - 1, hi + 1]; // a flat series draws a flat line in the middle
  const pad = 2;
  const px = (x: number) => (x1 === x0 ? SPARK_WIDTH : ((x - x0) / (x1 - x0)) * SPARK_WIDTH).toFixed(2);
  const py = (y: number) => (pad + (1 - (y - lo) / (hi - lo)) * (SPARK_HEIGHT - 2 * pad)).toFixed(2);
  let line = '';
  let area = '';
  let runStart: string | undefined;
  let runEnd = '';
  const closeRun = () => {
    if (runStart !== undefined) area += `L${runEnd},${SPARK_HEIGHT}L${runStart},${SPARK_HEIGHT}Z`;
    runStart = undefined;
  };
  ys.forEach((y, i) => {
    if (y === null) return closeRun();
    const [x, v] = [px(xs[i]!), py(y)];
    const move = runStart === undefined;
    line += `${move ? 'M' : 'L'}${x},${v}`;
    area += `${move ? 'M' : 'L'}${x},${v}`;
    if (move) runStart = x;
    runEnd = x;
  });
  closeRun();
  return { line, area };
}
