/**
 * The benchmark's scenario, shared by both servers and the viewers: one dashboard of ten `line`
 * widgets, each updating once a second with one new point.
 */

/** The dashboard every viewer subscribes to. */
export const DASHBOARD_ID = 'bench';
/** Widgets on the dashboard. */
export const WIDGET_COUNT = 10;
/** How often each widget updates. */
export const INTERVAL_MS = 1000;
/** Points each widget keeps for the snapshot a new viewer gets. */
export const KEEP_POINTS = 60;
/** The widget ids, `w0` … `w9`. */
export const WIDGET_IDS: readonly string[] = Array.from({ length: WIDGET_COUNT }, (_, i) => `w${i}`);

/** The dashboard as rtdash reads it from a YAML file, every widget on the data source `source`. */
export function dashboardYaml(source: string): string {
  const lines = [`id: ${DASHBOARD_ID}`, 'title: Fan-out benchmark', 'widgets:'];
  for (const id of WIDGET_IDS) {
    lines.push(
      `  - id: ${id}`,
      `    title: Series ${id}`,
      '    type: line',
      `    source: ${source}`,
      `    query: { series: ${id} }`,
      `    every: ${INTERVAL_MS}ms`,
      `    keep: ${KEEP_POINTS}`,
    );
  }
  return lines.join('\n') + '\n';
}
