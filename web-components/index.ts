/** The bundle served at /rt-dashboard.js: importing it defines every element. */
export { RtText } from './rt-text/rt-text.js';
export { RtStatus } from './rt-status/rt-status.js';
export { RtDashboard } from './rt-dashboard/rt-dashboard.js';
export { RtDashboardList } from './rt-dashboard-list/rt-dashboard-list.js';
export { RtStat } from './rt-stat/rt-stat.js';
export { RtGauge } from './rt-gauge/rt-gauge.js';
export { RtTable } from './rt-table/rt-table.js';
export { RtChart } from './rt-chart/rt-chart.js';
export { RtAlerts } from './rt-alerts/rt-alerts.js';
