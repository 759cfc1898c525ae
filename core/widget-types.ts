/**
 * What each widget type is, in one table read by the server and (bundled) by the elements: whether it
 * shows data from a source, how its frames combine, and which chart it draws. No imports, so the
 * browser bundle takes it as it is.
 */

/** The widget types a dashboard may declare. */
export type WidgetType = 'line' | 'area' | 'bar' | 'stat' | 'gauge' | 'table' | 'alerts' | 'text';

/** How a widget's frames combine: a time series grows by its new points, a whole state is replaced. */
export type MergeMode = 'append' | 'replace';

/** The chart a chart widget draws. */
export type ChartKind = 'line' | 'area' | 'bar';

/** One widget type's traits. */
export interface WidgetTypeTraits {
  /** Whether it shows rows from a source (`text` shows its content, `alerts` the dashboard's alerts). */
  readonly data: boolean;
  /**
   * `append`: frames with a time field add their new rows and `keep` bounds the history (a frame without
   * time still replaces). `replace`: every frame is the whole state and `keep` does not apply.
   */
  readonly merge: MergeMode;
  /** The chart it draws; absent for widgets that are not charts. */
  readonly chart?: ChartKind;
}

/** Every widget type and its traits. */
export const WIDGET_TYPE_TRAITS: Readonly<Record<WidgetType, WidgetTypeTraits>> = {
  line: { data: true, merge: 'append', chart: 'line' },
  area: { data: true, merge: 'append', chart: 'area' },
  bar: { data: true, merge: 'append', chart: 'bar' },
  stat: { data: true, merge: 'append' },
  gauge: { data: true, merge: 'append' },
  table: { data: true, merge: 'replace' },
  alerts: { data: false, merge: 'replace' },
  text: { data: false, merge: 'replace' },
};

/** The widget types, in the order the schema lists them. */
export const WIDGET_TYPES = Object.keys(WIDGET_TYPE_TRAITS) as WidgetType[];

/** The traits of a widget type; a type this table does not know (a newer server) is treated as a table. */
export function widgetTraits(type: string): WidgetTypeTraits {
  return Object.hasOwn(WIDGET_TYPE_TRAITS, type) ? WIDGET_TYPE_TRAITS[type as WidgetType] : WIDGET_TYPE_TRAITS.table;
}

/** The chart a widget type draws, or undefined when it is not a chart. */
export function chartKind(type: string | undefined): ChartKind | undefined {
  return type === undefined ? undefined : widgetTraits(type).chart;
}
