/**
 * Spreads expensive redraws over animation frames. A chart redraw costs tens of milliseconds (ApexCharts
 * rebuilds its SVG), and a dashboard's charts tend to get their data in the same message: drawn together
 * they make one long frame that blocks input. Here each frame draws charts until its budget is spent and
 * leaves the rest to the next; a chart queued twice draws once, with its latest data.
 */

/** Time per frame spent on queued draws; at least one draw runs each frame. */
const BUDGET_MS = 12;

const queue = new Map<object, () => void>();
let scheduled = false;

/** Draws `draw` for `owner` in a coming animation frame, replacing a draw of it still waiting. */
export function scheduleDraw(owner: object, draw: () => void): void {
  queue.set(owner, draw); // a waiting owner keeps its place in the line
  if (!scheduled) {
    scheduled = true;
    requestAnimationFrame(run);
  }
}

/** Forgets a waiting draw (its element left the page). */
export function cancelDraw(owner: object): void {
  queue.delete(owner);
}

function run(): void {
  scheduled = false;
  const started = performance.now();
  for (const [owner, draw] of queue) {
    queue.delete(owner);
    draw();
    if (performance.now() - started > BUDGET_MS) break;
  }
  if (queue.size > 0) {
    scheduled = true;
    requestAnimationFrame(run);
  }
}
