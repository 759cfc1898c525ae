import { css } from 'lit';

export default css`
  :host {
    display: block;
    color: var(--rt-text-color, inherit);
    font: var(--rt-font, inherit);
  }
  [part='base'] {
    white-space: pre-line;
    overflow-wrap: anywhere;
  }
`;
