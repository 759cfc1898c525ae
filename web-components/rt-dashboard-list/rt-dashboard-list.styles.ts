import { css } from 'lit';
import { themeStyles } from '../client/theme.js';

export default [
  themeStyles,
  css`
    :host {
      display: block;
    }
    [part='base'] {
      display: grid;
      grid-template-columns: repeat(auto-fill, minmax(min(100%, 17rem), 1fr));
      gap: var(--_gap);
      list-style: none;
      margin: 0;
      padding: 0;
    }
    [part='card'] {
      display: flex;
      flex-direction: column;
      gap: 0.3rem;
      height: 100%;
      box-sizing: border-box;
      padding: var(--_gap) calc(var(--_gap) * 1.2);
      background: var(--_panel-bg);
      border: 1px solid var(--_border);
      border-radius: var(--_radius);
      color: inherit;
      text-decoration: none;
      transition: border-color 0.15s;
    }
    [part='card']:hover,
    [part='card']:focus-visible {
      border-color: var(--_accent);
      outline: none;
    }
    .title {
      font-weight: 650;
      font-size: 1.05rem;
      color: var(--_accent);
    }
    .description {
      color: var(--_text);
      font-size: 0.9rem;
      line-height: 1.45;
    }
    .meta {
      margin-top: auto;
      color: var(--_muted);
      font-size: 0.8rem;
    }
    .message {
      color: var(--_muted);
    }
    .message.error {
      color: var(--_error);
    }
  `,
];
