/** The gauges a fault test reads from a server's /metrics, as an operator would see them. */

/** Open connections, dashboard subscriptions and scheduled jobs. */
export interface Gauges {
  connections: number;
  viewers: number;
  jobs: number;
}

/** Scrapes `${url}/metrics` for rtdash_connections, rtdash_viewers and rtdash_jobs_running. */
export async function serverGauges(url: string): Promise<Gauges> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const gauge = (name: string) => {
    const value = new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1];
    if (value === undefined) throw new Error(`/metrics has no ${name}`);
    return Number(value);
  };
  return { connections: gauge('rtdash_connections'), viewers: gauge('rtdash_viewers'), jobs: gauge('rtdash_jobs_running') };
}
