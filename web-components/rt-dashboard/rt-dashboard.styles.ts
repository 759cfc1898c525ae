import { css } from 'lit';
import { themeStyles } from '../client/theme.js';

export default [
  themeStyles,
  css`
    :host {
      display: block;
      container-type: inline-size;
      background: var(--_bg);
      --_row: var(--rt-row-height, 76px);
    }
    [part='base'] {
      padding: var(--_gap);
    }
    [part='header'] {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.5rem 1rem;
      margin-bottom: var(--_gap);
    }
    [part='title'] {
      font-size: 1.35rem;
      font-weight: 650;
      margin: 0;
      flex: 1 1 auto;
      min-width: 0;
      letter-spacing: -0.01em;
    }
    [part='variables'],
    [part='range'] {
      display: flex;
      align-items: center;
      flex-wrap: wrap;
      gap: 0.5rem 0.75rem;
    }
    label {
      display: inline-flex;
      align-items: center;
      gap: 0.4rem;
      font-size: 0.85rem;
      color: var(--_muted);
    }
    select,
    input {
      font: inherit;
      font-size: 0.9rem;
      color: var(--_text);
      background: var(--_panel-bg);
      border: 1px solid var(--_border);
      border-radius: 6px;
      padding: 0.25rem 0.5rem;
    }
    [part='range'] {
      flex-wrap: wrap;
      gap: 0.5rem;
      min-width: 0;
      max-width: 100%;
    }
    [part='range'] label {
      white-space: nowrap;
      min-width: 0;
      max-width: 100%;
    }
    [part='range'] select {
      flex: 0 1 auto;
      min-width: 0;
      text-overflow: ellipsis;
    }
    [part='live'] {
      font: inherit;
      font-size: 0.85rem;
      font-weight: 600;
      color: var(--_accent);
      background: var(--_panel-bg);
      border: 1px solid var(--_accent);
      border-radius: 6px;
      padding: 0.25rem 0.6rem;
      cursor: pointer;
    }
    [part='live']:hover {
      background: color-mix(in srgb, var(--_accent) 12%, var(--_panel-bg));
    }
    [part='live']:focus-visible,
    select:focus-visible,
    input:focus-visible {
      outline: 2px solid var(--_accent);
      outline-offset: 1px;
    }
    input:invalid {
      border-color: var(--_error);
    }
    /* What the embed token fixes reads as a value, not as a control that failed to answer: no arrow, a dashed edge. */
    select:disabled,
    input:disabled {
      appearance: none;
      /* As tall as the native select beside it would be. */
      line-height: 1.25;
      color: var(--_muted);
      background: transparent;
      border-style: dashed;
      cursor: not-allowed;
      opacity: 1;
    }
    [part='grid'] {
      display: grid;
      grid-template-columns: repeat(var(--_columns, 12), minmax(0, 1fr));
      grid-auto-rows: var(--_row);
      gap: var(--_gap);
    }
    [part~='panel'] {
      grid-column: span var(--_w, 4);
      grid-row: span var(--_h, 3);
      min-width: 0;
      min-height: 0;
      display: flex;
      flex-direction: column;
      background: var(--_panel-bg);
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      padding: calc(var(--_gap) * 0.9) var(--_gap);
      box-sizing: border-box;
      overflow: hidden;
    }
    [part~='panel'] > * {
      flex: 1 1 auto;
      min-height: 0;
    }
    [part~='panel'] > h2 {
      flex: none;
      margin: 0 0 0.35rem;
      font-size: 0.9rem;
      font-weight: 600;
    }
    [part='message'] {
      border: 1px solid var(--_error);
      color: var(--_error);
      background: color-mix(in srgb, var(--_error) 8%, var(--_panel-bg));
      border-radius: var(--_radius);
      padding: 0.6rem 0.9rem;
      margin-bottom: var(--_gap);
    }
    [part='notice'] {
      flex-basis: 100%;
      margin: 0;
      font-size: 0.8rem;
      color: var(--_error);
      overflow-wrap: anywhere;
    }
    [part='variable-error'] {
      margin-left: 0.3rem;
      font-size: 0.8rem;
      color: var(--_error);
    }
    .loading {
      color: var(--_muted);
    }
    /* Narrow containers: one column, panels stacked in the dashboard's order, each as tall as it asks for. */
    @container (max-width: 640px) {
      [part='grid'] {
        grid-template-columns: minmax(0, 1fr);
      }
      [part~='panel'] {
        grid-column: span 1;
        grid-row: span max(var(--_h, 3), 2);
      }
      [part='title'] {
        font-size: 1.15rem;
      }
    }
  `,
];
