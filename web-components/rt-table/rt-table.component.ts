import { html, nothing, type PropertyValues } from 'lit';
import { property } from 'lit/decorators.js';
import { classMap } from 'lit/directives/class-map.js';
import { guard } from 'lit/directives/guard.js';
import { formatDateTime, formatPlain, formatValue, NO_VALUE } from '../client/format.js';
import { rowCount } from '../client/frame.js';
import type { Field, SortChangeDetail, SortDirection } from '../client/types.js';
import { RtWidgetElement } from '../client/widget-element.js';
import { sortRows } from './sort-rows.js';
import styles from './rt-table.styles.js';

/** More rows than this are not drawn (the footer says so): a panel is not the place to read thousands of rows. */
const MAX_ROWS = 1000;

/**
 * @summary The widget's frame as a table: one column per field, times as local date and time, numbers of the
 * widget's `y` columns formatted by its unit. A viewer sorts by a column by activating its header (a button:
 * click, Enter or Space), and reverses it by doing so again; the sort survives updates. A wide table scrolls
 * sideways inside the panel.
 *
 * @event rt-sort-change - A viewer sorted the table; `detail` holds `column` and `direction`.
 *
 * @csspart base - The widget's panel.
 * @csspart header - The row with the title and the status.
 * @csspart heading - The title.
 * @csspart status - The waiting, error or stale line (also `error` or `stale`).
 * @csspart body - Everything below the header.
 * @csspart scroller - The scrolling box around the table.
 * @csspart table - The table.
 * @csspart footer - The note under a table that shows only part of its rows.
 *
 * @cssproperty --rt-table-font-size - The size of the cells' text (default 0.8125rem).
 * @cssproperty --rt-border - The lines between rows.
 * @cssproperty --rt-muted - The headers and absent values.
 */
export default class RtTable extends RtWidgetElement {
  static override styles = styles;

  /** The name of the column the rows are sorted by; none keeps the order the source gave. */
  @property({ attribute: 'sort-by', reflect: true }) accessor sortBy: string | undefined = undefined;
  /** `ascending` or `descending`. */
  @property({ attribute: 'sort-direction', reflect: true }) accessor sortDirection: SortDirection = 'ascending';

  #order: number[] = [];

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (changed.has('state') || changed.has('sortBy') || changed.has('sortDirection')) {
      const frame = this.state?.frame;
      this.#order = sortRows(rowCount(frame), frame?.fields.find((f) => f.name === this.sortBy), this.sortDirection);
    }
  }

  #sort(column: string): void {
    const direction: SortDirection = this.sortBy === column && this.sortDirection === 'ascending' ? 'descending' : 'ascending';
    this.sortBy = column;
    this.sortDirection = direction;
    this.dispatchEvent(new CustomEvent<SortChangeDetail>('rt-sort-change', { detail: { column, direction }, bubbles: true, composed: true }));
  }

  protected override renderData() {
    const fields = this.state?.frame.fields ?? [];
    if (fields.length === 0) return this.state?.status === 'ok' ? html`<p class="empty">No rows</p>` : nothing;
    const shown = Math.min(this.#order.length, MAX_ROWS);
    // The clock ticks every second for the stale badge; the rows only change with the data, the sort or the locale.
    const body = guard([this.state, this.#order, this.definition, this.locale], () => this.#rows(fields, shown));
    return html`<div part="scroller" class="scroller" tabindex="0" role="region" aria-label=${`${this.heading || 'Table'}, scrollable`}>
        <table part="table">
          <thead>
            <tr>
              ${fields.map((f) => this.#header(f))}
            </tr>
          </thead>
          <tbody>
            ${body}
          </tbody>
        </table>
      </div>
      ${shown < this.#order.length || this.state?.frame.meta?.truncated
        ? html`<p part="footer" class="footer">Showing ${formatPlain(shown, this.locale)} of ${formatPlain(this.#order.length, this.locale)} rows${this.state?.frame.meta?.truncated ? ' (the source returned only part of its rows)' : ''}</p>`
        : nothing}`;
  }

  #header(field: Field) {
    const sorted = field.name === this.sortBy;
    return html`<th scope="col" class=${classMap({ num: field.type === 'number', sorted })} aria-sort=${sorted ? this.sortDirection : nothing}>
      <button type="button" @click=${() => this.#sort(field.name)}>
        <span>${field.name}</span>
        <svg class="sort-icon" viewBox="0 0 10 10" aria-hidden="true">
          <path d=${!sorted ? 'M2.5 4 5 1.5 7.5 4M2.5 6 5 8.5 7.5 6' : this.sortDirection === 'ascending' ? 'M2.5 5.5 5 3l2.5 2.5' : 'M2.5 4.5 5 7l2.5-2.5'} />
        </svg>
      </button>
    </th>`;
  }

  #rows(fields: Field[], shown: number) {
    const unit = this.definition?.unit;
    const measured = new Set(this.definition?.y ?? []);
    const cell = (field: Field, i: number): string => {
      const value = field.values[i] ?? null;
      if (value === null) return NO_VALUE;
      if (field.type === 'time' && typeof value === 'number') return formatDateTime(value, this.locale);
      if (typeof value === 'number') return measured.has(field.name) ? formatValue(value, unit, this.locale) : formatPlain(value, this.locale);
      return String(value);
    };
    return this.#order.slice(0, shown).map(
      (i) => html`<tr>
        ${fields.map((f) => html`<td class="${f.type === 'number' ? 'num' : ''} ${(f.values[i] ?? null) === null ? 'none' : ''}">${cell(f, i)}</td>`)}
      </tr>`,
    );
  }
}
