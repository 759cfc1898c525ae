/**
 * The browser suite's scenario, shared by the server process and the orchestrator: one dashboard of 20 widgets on
 * the built-in demo source, every one updating once a second, and the window both pages are shown in.
 *
 * The mix: 14 charts (8 line, 4 area, 2 bar), 3 stats, 2 gauges and 1 table. The line and area charts keep 5 minutes
 * at one point a second (300 points a series; the response-time charts have 3 series); the bars show the orders of
 * the last hour per region (3 bars, replaced when they change); the stats keep 300 points; the table the last 10
 * orders. Laid out on 12 columns so that every panel is inside the viewport.
 */

/** The dashboard both pages show. */
export const BROWSER_DASHBOARD_ID = 'browser';
/** How often every widget updates. */
export const BROWSER_INTERVAL = '1s';
/** The history of the line and area charts. */
export const CHART_KEEP = '5m';
/** The browser window, the same for both pages. */
export const VIEWPORT = { width: 1920, height: 1200 } as const;
/** The environment variable that tells the server process the origin of the pages (allowed as `server.origins`). */
export const PAGE_ORIGIN_ENV = 'RTDASH_BENCH_PAGE_ORIGIN';
/** The grid's row height (`--rt-row-height`), so that the 20 panels fit the viewport. */
export const ROW_HEIGHT_PX = 64;

type Metric = 'active_users' | 'revenue' | 'orders' | 'response_time' | 'conversion' | 'error_rate' | 'orders_by_region' | 'recent_orders';
type Region = 'all' | 'eu' | 'us' | 'apac';

/** One widget of the bench dashboard, as the YAML file declares it. */
export interface BrowserWidget {
  id: string;
  title: string;
  type: 'line' | 'area' | 'bar' | 'stat' | 'gauge' | 'table';
  source: 'demo';
  query: { metric: Metric; region: Region };
  every: string;
  keep: string | number;
  x?: string;
  y?: string[];
  unit?: string;
  min?: number;
  max?: number;
  size: { w: number; h: number };
}

const Y: Record<Metric, string[] | undefined> = {
  active_users: ['active_users'],
  revenue: ['revenue'],
  orders: ['orders'],
  response_time: ['p50', 'p95', 'p99'],
  conversion: ['conversion'],
  error_rate: ['error_rate'],
  orders_by_region: ['orders'],
  recent_orders: undefined,
};

const UNIT: Record<Metric, string | undefined> = {
  active_users: 'count',
  revenue: 'currency:EUR',
  orders: 'count',
  response_time: 'ms',
  conversion: 'percent',
  error_rate: 'percent',
  orders_by_region: 'count',
  recent_orders: undefined,
};

const TITLE: Record<Metric, string> = {
  active_users: 'Active users',
  revenue: 'Revenue per minute',
  orders: 'Orders per minute',
  response_time: 'Response time',
  conversion: 'Conversion',
  error_rate: 'Error rate',
  orders_by_region: 'Orders in the last hour',
  recent_orders: 'Recent orders',
};

function widget(type: BrowserWidget['type'], metric: Metric, region: Region, extra: Partial<BrowserWidget> = {}): BrowserWidget {
  const series = type === 'line' || type === 'area';
  const w: BrowserWidget = {
    id: `${type}-${metric.replace(/_/g, '-')}-${region}`,
    title: `${TITLE[metric]}${region === 'all' ? '' : ` (${region})`}`,
    type,
    source: 'demo',
    query: { metric, region },
    every: BROWSER_INTERVAL,
    keep: series ? CHART_KEEP : type === 'stat' ? 300 : 1,
    size: type === 'stat' || type === 'gauge' ? { w: 2, h: 2 } : { w: 3, h: 3 },
  };
  if (metric === 'orders_by_region') w.x = 'region';
  else if (metric !== 'recent_orders') w.x = 'time';
  const y = Y[metric];
  if (y !== undefined) w.y = y;
  const unit = UNIT[metric];
  if (unit !== undefined) w.unit = unit;
  return { ...w, ...extra };
}

/** The 20 widgets, in the dashboard's order. */
export const BROWSER_WIDGETS: readonly BrowserWidget[] = [
  // Row 1 (2 grid rows): 3 stats and 2 gauges; the table sits on the last row with the charts.
  widget('stat', 'active_users', 'all'),
  widget('stat', 'revenue', 'all'),
  widget('stat', 'conversion', 'all'),
  widget('gauge', 'conversion', 'eu', { min: 0, max: 5, size: { w: 3, h: 2 } }),
  widget('gauge', 'error_rate', 'all', { min: 0, max: 5, size: { w: 3, h: 2 } }),
  // Then 4 rows of 4 panels (3 grid rows each): 14 charts and the table.
  widget('line', 'active_users', 'all'),
  widget('line', 'revenue', 'all'),
  widget('line', 'response_time', 'all'),
  widget('line', 'error_rate', 'all'),
  widget('area', 'active_users', 'eu'),
  widget('area', 'revenue', 'us'),
  widget('area', 'orders', 'all'),
  widget('area', 'error_rate', 'apac'),
  widget('line', 'conversion', 'all'),
  widget('line', 'response_time', 'eu'),
  widget('line', 'active_users', 'us'),
  widget('line', 'orders', 'apac'),
  widget('bar', 'orders_by_region', 'all'),
  widget('bar', 'orders_by_region', 'all', { id: 'bar-orders-by-region-copy', title: 'Orders in the last hour (2)' }),
  widget('table', 'recent_orders', 'all'),
];

/** What the suite prints about the mix. */
export function mixLine(): string {
  const count = (type: BrowserWidget['type']) => BROWSER_WIDGETS.filter((w) => w.type === type).length;
  const charts = count('line') + count('area') + count('bar');
  return (
    `${BROWSER_WIDGETS.length} widgets every ${BROWSER_INTERVAL} from the demo source: ${charts} charts (${count('line')} line, ${count('area')} area, ` +
    `${count('bar')} bar; line/area keep ${CHART_KEEP} = 300 points a series), ${count('stat')} stat, ${count('gauge')} gauge, ${count('table')} table`
  );
}

/** The dashboard file (JSON is YAML). */
export function browserDashboardYaml(): string {
  return JSON.stringify({ id: BROWSER_DASHBOARD_ID, title: 'Browser benchmark', layout: { columns: 12 }, widgets: BROWSER_WIDGETS }, null, 2) + '\n';
}
