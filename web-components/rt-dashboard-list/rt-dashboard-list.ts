import RtDashboardList from './rt-dashboard-list.component.js';

export default RtDashboardList;
export { RtDashboardList };

customElements.define('rt-dashboard-list', RtDashboardList);

declare global {
  interface HTMLElementTagNameMap {
    'rt-dashboard-list': RtDashboardList;
  }
}
