import { LitElement, html } from 'lit';
import { property } from 'lit/decorators.js';
import styles from './rt-text.styles.js';

/**
 * @summary Static text on a dashboard. The text is shown as text, never parsed as HTML, so a dashboard
 * file cannot inject markup or scripts into the page; line breaks are kept.
 *
 * @csspart base - The block holding the text.
 * @cssproperty --rt-text-color - The colour of the text.
 * @cssproperty --rt-font - The font of the text.
 */
export default class RtText extends LitElement {
  static override styles = styles;

  /** The text to show. */
  @property() accessor content = '';

  override render() {
    return html`<div part="base">${this.content}</div>`;
  }
}
