/// <reference lib="dom" />
/** What the browser tests read off a dashboard page, the way a user sees it. */
import type { Page } from 'playwright-core';

/** The widgets of the demo dashboard that carry data (all but text). */
export const DATA_WIDGETS = ['active-users-now', 'revenue-now', 'conversion-now', 'error-rate-now', 'revenue', 'orders-by-region', 'active-users', 'response-time', 'recent-orders'];

/** Waits until each widget of the page's `<rt-dashboard>` has data (status ok and at least one row). */
export async function waitForData(page: Page, ids: readonly string[], timeout = 15_000): Promise<void> {
  await page.waitForFunction(
    (wanted) => {
      const root = document.querySelector('rt-dashboard')?.shadowRoot;
      return wanted.every((id) => {
        const el = root?.querySelector(`[data-widget="${id}"]`) as (HTMLElement & { state?: { status: string; frame: { fields: { values: unknown[] }[] } } }) | null;
        return el?.state?.status === 'ok' && (el.state.frame.fields[0]?.values.length ?? 0) > 0;
      });
    },
    ids,
    { timeout },
  );
}

/**
 * Picks `value` in the dashboard's picker of variable `name`, and waits for that value's data: the panels keep
 * the data of the value before until the snapshot of the new one comes (`rt-snapshot`).
 */
export async function pickVariable(page: Page, name: string, value: string): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { snapshots?: number };
    w.snapshots = 0;
    document.querySelector('rt-dashboard')!.addEventListener('rt-snapshot', () => w.snapshots!++);
  });
  await page.locator(`rt-dashboard select[name="${name}"]`).selectOption(value);
  await page.waitForFunction(() => ((window as unknown as { snapshots?: number }).snapshots ?? 0) > 0);
}

/** The words of the dashboard's connection status. */
export function statusText(page: Page): Promise<string> {
  return page.locator('rt-dashboard rt-status [part="label"]').innerText();
}

/** The figure a stat shows, as a number (grouping and units stripped). */
export async function statNumber(page: Page, id: string): Promise<number> {
  const text = await page.locator(`rt-dashboard rt-stat[data-widget="${id}"] [part~="value"]`).innerText();
  return Number(text.replace(/[^\d.-]/g, ''));
}

/**
 * How many points a chart of the dashboard holds in its first series, once it has drawn them (0 when it has not
 * within `timeout`: ApexCharts is fetched and draws after the data is there).
 */
export async function chartPoints(page: Page, id: string, timeout = 10_000): Promise<number> {
  const points = () =>
    page.locator(`rt-dashboard rt-chart[data-widget="${id}"]`).evaluate((el) => {
      const state = (el as HTMLElement & { state?: { frame: { fields: { values: unknown[] }[] } } }).state;
      const drawn = el.shadowRoot?.querySelectorAll('.apexcharts-series path, .apexcharts-bar-area').length ?? 0;
      return drawn > 0 ? (state?.frame.fields[0]?.values.length ?? 0) : 0;
    });
  const end = Date.now() + timeout;
  let found = await points();
  while (found === 0 && Date.now() < end) {
    await page.waitForTimeout(50);
    found = await points();
  }
  return found;
}
