import RtAlerts from './rt-alerts.component.js';

export default RtAlerts;
export { RtAlerts };

customElements.define('rt-alerts', RtAlerts);

declare global {
  interface HTMLElementTagNameMap {
    'rt-alerts': RtAlerts;
  }
}
