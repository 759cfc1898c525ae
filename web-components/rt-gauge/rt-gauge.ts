import RtGauge from './rt-gauge.component.js';

export default RtGauge;
export { RtGauge };

customElements.define('rt-gauge', RtGauge);

declare global {
  interface HTMLElementTagNameMap {
    'rt-gauge': RtGauge;
  }
}
