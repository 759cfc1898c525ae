import { css } from 'lit';
import { themeStyles } from '../client/theme.js';

export default [
  themeStyles,
  css`
    :host {
      display: inline-block;
      font-size: 0.85rem;
      color: var(--_muted);
    }
    [part='base'] {
      display: inline-flex;
      align-items: center;
      gap: 0.4em;
      white-space: nowrap;
    }
    [part='indicator'] {
      width: 0.6em;
      height: 0.6em;
      border-radius: 50%;
      background: var(--_muted);
      flex: none;
    }
    .open [part='indicator'] {
      background: var(--_ok);
      box-shadow: 0 0 0 3px color-mix(in srgb, var(--_ok) 25%, transparent);
    }
    .reconnecting [part='indicator'],
    .connecting [part='indicator'] {
      background: var(--_warn);
      animation: pulse 1.2s ease-in-out infinite;
    }
    .refused [part='indicator'] {
      background: var(--_error);
    }
    .refused [part='label'] {
      color: var(--_error);
      white-space: normal;
    }
    @keyframes pulse {
      50% {
        opacity: 0.35;
      }
    }
    @media (prefers-reduced-motion: reduce) {
      [part='indicator'] {
        animation: none !important;
      }
    }
  `,
];
