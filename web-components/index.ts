/** The bundle served at /rt-dashboard.js: importing it defines every element. */
export { RtText } from './rt-text/rt-text.js';
export { RtStatus } from './rt-status/rt-status.js';
export { RtDashboard } from './rt-dashboard/rt-dashboard.js';
export { RtDashboardList } from './rt-dashboard-list/rt-dashboard-list.js';
