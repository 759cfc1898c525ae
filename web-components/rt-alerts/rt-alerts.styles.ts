import { css } from 'lit';
import { themeStyles } from '../client/theme.js';
import { widgetStyles } from '../client/widget-element.js';

export default [
  themeStyles,
  widgetStyles,
  css`
    .list {
      list-style: none;
      margin: 0;
      padding: 0;
      overflow-y: auto;
      display: flex;
      flex-direction: column;
      gap: 6px;
      min-height: 0;
    }
    .alert {
      padding: 8px 10px 8px 12px;
      border: 1px solid var(--_border);
      border-left: 3px solid var(--_sev);
      border-radius: 6px;
      min-width: 0;
    }
    /* Not firing yet: the same colour, faded, so firing alerts stand out in a long list. */
    .alert[data-state='pending'] {
      border-left-color: color-mix(in srgb, var(--_sev) 40%, transparent);
    }
    .top {
      display: flex;
      flex-wrap: wrap;
      align-items: baseline;
      gap: 2px 8px;
      min-width: 0;
    }
    .severity {
      flex: none;
      padding: 1px 7px;
      border-radius: 999px;
      font-size: 0.6875rem;
      font-weight: 700;
      letter-spacing: 0.04em;
      text-transform: uppercase;
      color: var(--_sev);
      background: color-mix(in srgb, var(--_sev) 14%, transparent);
    }
    .rule {
      flex: 1 1 8rem;
      min-width: 0;
      font-size: 0.875rem;
      font-weight: 600;
      overflow-wrap: anywhere;
    }
    .since {
      flex: none;
      margin-left: auto;
      font-size: 0.75rem;
      color: var(--_muted);
      font-variant-numeric: tabular-nums;
      white-space: nowrap;
    }
    .alert[data-state='firing'] .state {
      color: var(--_sev);
      font-weight: 600;
    }
    .summary {
      margin: 3px 0 0;
      font-size: 0.8125rem;
      color: var(--_text);
      overflow-wrap: anywhere;
    }
    .meta {
      display: flex;
      flex-wrap: wrap;
      gap: 4px 6px;
      margin-top: 6px;
      font-size: 0.75rem;
      color: var(--_muted);
    }
    .chip {
      padding: 0 6px;
      border-radius: 4px;
      background: color-mix(in srgb, var(--_muted) 12%, transparent);
      overflow-wrap: anywhere;
    }
    .acked {
      margin: 6px 0 0;
      font-size: 0.8rem;
      color: var(--_muted);
    }
    .actions,
    .act {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 6px;
      margin-top: 8px;
      font-size: 0.8rem;
    }
    .act label {
      display: flex;
      align-items: center;
      gap: 4px;
    }
    .actions button,
    .act button,
    .act input,
    .act select {
      font: inherit;
      padding: 2px 8px;
      border-radius: 4px;
      border: 1px solid color-mix(in srgb, var(--_muted) 40%, transparent);
      background: transparent;
      color: inherit;
    }
    .actions button,
    .act button {
      cursor: pointer;
    }
    .act .problem {
      color: var(--rt-error, #c7372f);
    }
    .empty {
      display: flex;
      align-items: center;
      gap: 8px;
      margin: 0;
      font-size: 0.875rem;
      color: var(--_muted);
    }
    .empty svg {
      width: 18px;
      height: 18px;
      flex: none;
      fill: none;
      stroke: var(--_ok);
      stroke-width: 1.5;
      stroke-linecap: round;
      stroke-linejoin: round;
    }
  `,
];
