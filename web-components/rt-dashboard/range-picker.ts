/**
 * The time-range controls of a dashboard's header: a picker of the dashboard's choices that names the range shown
 * ("Last 6 hours", or the two times of a zoom), and a "Back to live" button while the range is absolute. A real
 * `<select>` and `<button>`, so the keyboard and assistive technology work as everywhere else. The choices are the
 * ones the server sent this viewer (an embed token's bound leaves out the longer ones); a range the token fixes
 * shows disabled, saying why, with no "Back to live".
 */
import { html, nothing } from 'lit';
import { pickerChoices, rangeKey } from '../client/time-range.js';
import type { DashboardRange, RangeRequest, TimeDefinition } from '../client/types.js';

/** What the controls show and call. */
export interface RangePickerInputs {
  time: TimeDefinition;
  /** The range in force (the snapshot's), or undefined before the first snapshot: the default then. */
  range: DashboardRange | undefined;
  locale?: string | undefined;
  /** The viewer picked a range. */
  pick(range: RangeRequest): void;
  /** The viewer asked to go back to a live range. */
  backToLive(): void;
}

/** The range in force as asked for, the default before a snapshot says. */
export function rangeInForce(time: TimeDefinition, range: DashboardRange | undefined): RangeRequest {
  return range === undefined ? time.default : { from: String(range.from), to: String(range.to) };
}

/** The header's time-range controls. */
export function rangePicker({ time, range, locale, pick, backToLive }: RangePickerInputs) {
  const current = rangeInForce(time, range);
  const key = rangeKey(current);
  const choices = pickerChoices(time, current, range, locale);
  const onChange = (event: Event): void => {
    const chosen = choices.find((c) => rangeKey(c.range) === (event.target as HTMLSelectElement).value);
    if (chosen !== undefined && rangeKey(chosen.range) !== key) pick(chosen.range);
  };
  const fixed = time.fixed === true;
  // Said on the control too: a disabled control shows no reason of its own.
  const why = fixed ? `fixed to ${quoted(choices.find((c) => rangeKey(c.range) === key)?.label ?? key)} by the embed token` : nothing;
  return html`<div part="range">
    <label title=${why}
      >Time range
      <select name="range" title=${why} ?disabled=${fixed} @change=${onChange}>
        ${choices.map((c) => html`<option value=${rangeKey(c.range)} .selected=${rangeKey(c.range) === key}>${c.label}</option>`)}
      </select></label
    >
    ${range !== undefined && !range.live && !fixed ? html`<button part="live" type="button" @click=${backToLive}>Back to live</button>` : nothing}
  </div>`;
}

/** A picker label in quotes, to go in a sentence: "Last 24 hours" as `"the last 24 hours"`, two times as they are. */
function quoted(label: string): string {
  return `"${label.startsWith('Last ') ? `the l${label.slice(1)}` : label}"`;
}
