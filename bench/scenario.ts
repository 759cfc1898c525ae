/**
 * The fan-out benchmark's scenario, shared by the servers and the viewers: dashboards of `line`
 * widgets, each updating once a second with one new point. The default is one dashboard of ten
 * widgets; the scale runs change both counts, and the orchestrator hands them to its child processes
 * in the environment (`scenarioEnv`, `scenarioFromEnv`).
 */

/** The first dashboard, and the only one by default. */
export const DASHBOARD_ID = 'bench';
/** Widgets per dashboard by default. */
export const WIDGET_COUNT = 10;
/** How often each widget updates. */
export const INTERVAL_MS = 1000;
/** Points each widget keeps for the snapshot a new viewer gets. */
export const KEEP_POINTS = 60;

/** How many dashboards there are and how many widgets each has; viewers are spread evenly over the dashboards. */
export interface Scenario {
  widgets: number;
  dashboards: number;
}

/** One dashboard of ten widgets. */
export const DEFAULT_SCENARIO: Readonly<Scenario> = Object.freeze({ widgets: WIDGET_COUNT, dashboards: 1 });

/** The environment variable that carries the scenario to a child process. */
const SCENARIO_VAR = 'RTDASH_BENCH_SCENARIO';

/** The widget ids of a dashboard: `w0` … `w{count-1}`. */
export function widgetIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `w${i}`);
}

/** The dashboard ids: `bench`, then `bench1` … `bench{count-1}`. */
export function dashboardIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => (i === 0 ? DASHBOARD_ID : `${DASHBOARD_ID}${i}`));
}

/** The dashboard of one viewer: viewer `i` watches dashboard `i mod count`. */
export function dashboardOf(viewer: number, dashboards: readonly string[]): string {
  return dashboards[viewer % dashboards.length]!;
}

/** A dashboard as rtdash reads it from a YAML file, `widgets` widgets on the data source `source`. */
export function dashboardYaml(source: string, id = DASHBOARD_ID, widgets = WIDGET_COUNT): string {
  const lines = [`id: ${id}`, 'title: Fan-out benchmark', 'widgets:'];
  for (const w of widgetIds(widgets)) {
    lines.push(
      `  - id: ${w}`,
      `    title: Series ${w}`,
      '    type: line',
      `    source: ${source}`,
      `    query: { series: ${w} }`,
      `    every: ${INTERVAL_MS}ms`,
      `    keep: ${KEEP_POINTS}`,
    );
  }
  return lines.join('\n') + '\n';
}

/** The environment of a server child process that runs `scenario`. */
export function scenarioEnv(scenario: Scenario, env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, [SCENARIO_VAR]: `${scenario.widgets},${scenario.dashboards}` };
}

/** The scenario this child process was started with (the default when none). */
export function scenarioFromEnv(env: NodeJS.ProcessEnv = process.env): Scenario {
  const text = env[SCENARIO_VAR];
  if (text === undefined) return { ...DEFAULT_SCENARIO };
  const [widgets, dashboards] = text.split(',').map(Number);
  if (!Number.isInteger(widgets) || !Number.isInteger(dashboards) || widgets! < 1 || dashboards! < 1) throw new Error(`${SCENARIO_VAR}: bad scenario "${text}"`);
  return { widgets: widgets!, dashboards: dashboards! };
}

/** A scenario in words, e.g. "20 dashboards of 10 widgets". */
export function describeScenario(scenario: Scenario): string {
  return `${scenario.dashboards} dashboard${scenario.dashboards === 1 ? '' : 's'} of ${scenario.widgets} widgets`;
}
