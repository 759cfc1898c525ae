/**
 * One variable's picker in a dashboard's header: a `<select>` of its options (a query variable's as last read, with
 * the error beside it while they cannot be read), or a text input checked against its pattern. A variable the embed
 * token fixes shows disabled, saying why.
 */
import { html, nothing } from 'lit';
import type { VariableDefinition } from '../client/types.js';

/** The picker of `v`, showing `value`; `fixed` is the token's value when it fixes it; `pick` takes a viewer's choice. */
export function variablePicker(v: VariableDefinition, fixed: string | undefined, value: string, pick: (value: string) => void) {
  const label = v.label ?? v.name;
  // Said on the control too: a disabled control shows no reason of its own.
  const why = fixed === undefined ? nothing : `fixed to "${fixed}" by the embed token`;
  if (v.type === 'select' || v.type === 'query') {
    const failed = v.error === undefined ? undefined : `the options could not be read (${v.error.code}: ${v.error.message}); these are the ones read before`;
    return html`<label title=${why}
      >${label}
      <select name=${v.name} title=${failed ?? why} ?disabled=${fixed !== undefined || (v.options ?? []).length === 0} @change=${(e: Event) => pick((e.target as HTMLSelectElement).value)}>
        ${(v.options ?? []).map((o) => html`<option value=${o} ?selected=${o === value}>${o}</option>`)}
      </select>${failed === undefined ? nothing : html`<span part="variable-error" role="alert" title=${failed}>⚠ ${v.error!.code}</span>`}</label
    >`;
  }
  return html`<label title=${why}
    >${label}
    <input
      name=${v.name}
      title=${why}
      ?disabled=${fixed !== undefined}
      .value=${value}
      pattern=${v.pattern ?? nothing}
      @change=${(e: Event) => {
        const input = e.target as HTMLInputElement;
        if (input.checkValidity()) pick(input.value);
      }}
  /></label>`;
}
