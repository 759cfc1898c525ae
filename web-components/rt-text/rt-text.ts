import RtText from './rt-text.component.js';

export default RtText;
export { RtText };

customElements.define('rt-text', RtText);

declare global {
  interface HTMLElementTagNameMap {
    'rt-text': RtText;
  }
}
