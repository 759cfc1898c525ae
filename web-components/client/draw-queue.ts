/**
 * Spreads expensive redraws over animation frames. A chart redraw costs tens of milliseconds (ApexCharts
 * rebuilds its SVG), and a dashboard's charts tend to get their data in the same message: drawn together
 * they make one long frame that blocks input. Here each frame draws charts while the next one's last cost
 * still fits the frame's budget, and leaves the rest to the next frame; a chart queued twice draws once,
 * with its latest data.
 */

/** Time per frame spent on queued draws; at least one draw runs each frame. */
const BUDGET_MS = 12;

const queue = new Map<object, () => void>();
/** What each owner's last draw took, to tell whether it still fits a frame. */
const costs = new WeakMap<object, number>();
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
  let drawn = 0;
  for (const [owner, draw] of queue) {
    const before = performance.now();
    if (drawn > 0 && before - started + (costs.get(owner) ?? 0) > BUDGET_MS) break;
    queue.delete(owner);
    draw();
    drawn++;
    costs.set(owner, performance.now() - before);
  }
  if (queue.size > 0) {
    scheduled = true;
    requestAnimationFrame(run);
  }
}
