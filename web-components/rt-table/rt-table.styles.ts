import { css } from 'lit';
import { themeStyles } from '../client/theme.js';
import { widgetStyles } from '../client/widget-element.js';

export default [
  themeStyles,
  widgetStyles,
  css`
    .scroller {
      flex: 1 1 auto;
      min-height: 0;
      overflow: auto;
      /* Scrolling a table sideways on a phone should not also drag the page. */
      overscroll-behavior-x: contain;
      margin: 0 calc(-1 * var(--_gap) - 4px);
      padding: 0 calc(var(--_gap) + 4px);
      /* Shadows at an edge with more table beyond it: the covers scroll with the content, the shadows stay. */
      --_shade: color-mix(in srgb, var(--_text) 14%, transparent);
      background:
        linear-gradient(to right, var(--_panel-bg) 40%, transparent) left / 32px 100% no-repeat local,
        linear-gradient(to left, var(--_panel-bg) 40%, transparent) right / 32px 100% no-repeat local,
        radial-gradient(farthest-side at 0 50%, var(--_shade), transparent) left / 12px 100% no-repeat scroll,
        radial-gradient(farthest-side at 100% 50%, var(--_shade), transparent) right / 12px 100% no-repeat scroll;
    }
    :host([plain]) .scroller {
      margin: 0;
      padding: 0;
    }
    .scroller:focus-visible {
      outline: 2px solid var(--_accent);
      outline-offset: -2px;
    }
    table {
      width: 100%;
      border-collapse: collapse;
      font-size: var(--rt-table-font-size, 0.8125rem);
      font-variant-numeric: tabular-nums;
    }
    th,
    td {
      padding: 6px 12px 6px 0;
      text-align: left;
      white-space: nowrap;
      border-bottom: 1px solid var(--_border);
    }
    th:last-child,
    td:last-child {
      padding-right: 0;
    }
    .num {
      text-align: right;
    }
    td.none {
      color: var(--_muted);
    }
    tbody tr:last-child td {
      border-bottom: 0;
    }
    tbody tr:hover td {
      background: color-mix(in srgb, var(--_accent) 6%, transparent);
    }
    th {
      position: sticky;
      top: 0;
      z-index: 1;
      padding: 0;
      background: var(--_panel-bg);
      font-weight: 600;
    }
    th button {
      display: inline-flex;
      align-items: center;
      gap: 4px;
      width: 100%;
      padding: 6px 12px 6px 0;
      border: 0;
      background: none;
      font: inherit;
      color: var(--_muted);
      text-align: inherit;
      cursor: pointer;
      white-space: nowrap;
    }
    th:last-child button {
      padding-right: 0;
    }
    th.num button {
      justify-content: flex-end;
    }
    th button:hover,
    th.sorted button {
      color: var(--_text);
    }
    th button:focus-visible {
      outline: 2px solid var(--_accent);
      outline-offset: -2px;
      border-radius: 4px;
    }
    .sort-icon {
      width: 10px;
      height: 10px;
      flex: none;
      fill: none;
      stroke: currentColor;
      stroke-width: 1.4;
      stroke-linecap: round;
      stroke-linejoin: round;
      opacity: 0;
    }
    th.sorted .sort-icon {
      opacity: 1;
    }
    th button:hover .sort-icon,
    th button:focus-visible .sort-icon {
      opacity: 0.6;
    }
    th.sorted button:hover .sort-icon {
      opacity: 1;
    }
    .empty,
    .footer {
      margin: 0;
      font-size: 0.75rem;
      color: var(--_muted);
    }
  `,
];
