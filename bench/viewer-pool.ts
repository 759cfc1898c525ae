/** Opening and closing many viewers, as both load processes do. */
import WebSocket from 'ws';

/** What opening a batch of viewers gave. */
export interface Opened<V> {
  viewers: V[];
  failed: number;
  firstError?: string;
  ms: number;
}

/** Runs `open` `count` times with at most `concurrency` at once; failures are counted, not thrown. */
export async function openAll<V>(count: number, concurrency: number, open: () => Promise<V>): Promise<Opened<V>> {
  const started = Date.now();
  const viewers: V[] = [];
  let next = 0;
  let failed = 0;
  let firstError: string | undefined;
  const worker = async () => {
    while (next < count) {
      next++;
      try {
        viewers.push(await open());
      } catch (err) {
        failed++;
        firstError ??= err instanceof Error ? err.message : String(err);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return { viewers, failed, ms: Date.now() - started, ...(firstError !== undefined && { firstError }) };
}

/** Closes every socket, waits up to `waitMs` for the close handshakes, then terminates the rest. */
export async function closeSockets(sockets: WebSocket[], waitMs: number): Promise<void> {
  const closed = sockets.map((ws) => new Promise<void>((resolve) => (ws.readyState === WebSocket.CLOSED ? resolve() : ws.once('close', () => resolve()))));
  for (const ws of sockets) ws.close(1000, 'bench done');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(closed), new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
  clearTimeout(timer);
  for (const ws of sockets) if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
}
