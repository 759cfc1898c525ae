import RtDashboard from './rt-dashboard.component.js';

export default RtDashboard;
export { RtDashboard };

customElements.define('rt-dashboard', RtDashboard);

declare global {
  interface HTMLElementTagNameMap {
    'rt-dashboard': RtDashboard;
  }
}
