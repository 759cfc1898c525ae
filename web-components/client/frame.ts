/**
 * Reading a widget's frame: which column is x, which are the values, and the latest of them. Uses no DOM, so the
 * Node tests import it as it is.
 */
import type { Field, Frame, WidgetDefinition } from './types.js';

/** The column called `name`, if the frame has it. */
export function fieldByName(frame: Frame | undefined, name: string | undefined): Field | undefined {
  if (frame === undefined || name === undefined) return undefined;
  return frame.fields.find((field) => field.name === name);
}

/** The widget's x column: the one its `x` names, else the first time column. */
export function xField(definition: WidgetDefinition | undefined, frame: Frame | undefined): Field | undefined {
  return fieldByName(frame, definition?.x) ?? frame?.fields.find((field) => field.type === 'time');
}

/** The widget's value columns: those its `y` names (in that order, the missing ones skipped), else every number column but x. */
export function valueFields(definition: WidgetDefinition | undefined, frame: Frame | undefined): Field[] {
  if (frame === undefined) return [];
  const named = (definition?.y ?? []).map((name) => fieldByName(frame, name)).filter((field): field is Field => field !== undefined);
  if (named.length > 0) return named;
  const x = xField(definition, frame);
  return frame.fields.filter((field) => field.type === 'number' && field !== x);
}

/** The number at row `i`, or null when it is absent or not a finite number. */
export function numberAt(field: Field | undefined, i: number): number | null {
  const value = field?.values[i];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** The row of the last number in `field` at or before row `before`, or -1 when there is none. */
export function lastNumberIndex(field: Field | undefined, before = Number.POSITIVE_INFINITY): number {
  if (field === undefined) return -1;
  for (let i = Math.min(field.values.length - 1, before); i >= 0; i--) if (numberAt(field, i) !== null) return i;
  return -1;
}

/** The row of the first number in `field`, or -1. */
export function firstNumberIndex(field: Field | undefined): number {
  if (field === undefined) return -1;
  for (let i = 0; i < field.values.length; i++) if (numberAt(field, i) !== null) return i;
  return -1;
}

/** The latest number of `field`, or null. */
export function lastNumber(field: Field | undefined): number | null {
  return numberAt(field, lastNumberIndex(field));
}

/** How many rows the frame has (its fields are all as long). */
export function rowCount(frame: Frame | undefined): number {
  return frame?.fields[0]?.values.length ?? 0;
}

/** How far back a widget looks, in ms, when its history is kept by age; undefined when kept by count. */
export function keptMs(definition: WidgetDefinition | undefined): number | undefined {
  const keep = definition?.keep;
  return keep !== undefined && 'ms' in keep ? keep.ms : undefined;
}

/** How many rows a widget keeps when its history is kept by count; undefined when kept by age. */
export function keptPoints(definition: WidgetDefinition | undefined): number | undefined {
  const keep = definition?.keep;
  return keep !== undefined && 'points' in keep ? keep.points : undefined;
}
