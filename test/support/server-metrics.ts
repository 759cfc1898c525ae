/** The server's own figures as an operator reads them: GET /metrics, in the Prometheus text format. */
import { request } from './http-client.js';

/** The value of one sample, e.g. `rtdash_viewers` or `rtdash_slow_clients_total{action="closed"}`; 0 when absent. */
export async function metric(baseUrl: string, sample: string): Promise<number> {
  // Connection: close, so that a test counting the server's open sockets counts only its clients'.
  const text = (await request(`${baseUrl}/metrics`, { Connection: 'close' })).body;
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? 0 : Number(line.slice(sample.length + 1));
}

/** What a server holds for its clients: open connections, subscriptions served, jobs scheduled, per-IP slots counted. */
export async function streamGauges(baseUrl: string): Promise<{ connections: number; viewers: number; jobs: number; slots: number }> {
  const [connections, viewers, jobs, slots] = await Promise.all(['rtdash_connections', 'rtdash_viewers', 'rtdash_jobs_running', 'rtdash_connection_slots'].map((s) => metric(baseUrl, s)));
  return { connections: connections!, viewers: viewers!, jobs: jobs!, slots: slots! };
}

/** Waits until /metrics shows no connection, viewer, job or per-IP slot left; fails with the last figures. */
export async function leftNothing(baseUrl: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const g = await streamGauges(baseUrl);
    if (g.connections === 0 && g.viewers === 0 && g.jobs === 0 && g.slots === 0) return;
    if (Date.now() > deadline) throw new Error(`left behind after ${timeoutMs} ms: ${JSON.stringify(g)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
