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

/** What a load process does with a subscribed viewer's traffic. */
export interface ViewerHooks {
  /** Every message after the snapshot, as received. */
  message(bytes: Buffer): void;
  /** A socket error after the snapshot. */
  error(): void;
  /** The socket closed after the snapshot. */
  closed(code: number): void;
  /** The snapshot itself, for a load process that follows seqs or resumes later. */
  snapshot?(bytes: Buffer): void;
}

/** Opens one viewer and subscribes it to `dashboard`; resolves once its snapshot has arrived. */
export function subscribeViewer(url: string, dashboard: string, timeoutMs: number, hooks: ViewerHooks): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    let subscribed = false;
    const fail = (why: string) => {
      if (subscribed) return;
      clearTimeout(timer);
      ws.terminate();
      reject(new Error(why));
    };
    const timer = setTimeout(() => fail(`no snapshot within ${timeoutMs} ms`), timeoutMs);
    ws.on('error', (err) => (subscribed ? hooks.error() : fail(err.message)));
    ws.on('close', (code) => (subscribed ? hooks.closed(code) : fail(`closed with ${code} before the snapshot`)));
    ws.on('message', (data) => {
      const bytes = data as Buffer;
      if (subscribed) return hooks.message(bytes);
      const msg = JSON.parse(bytes.toString()) as { type: string };
      if (msg.type === 'hello') ws.send(JSON.stringify({ type: 'subscribe', dashboard }));
      else if (msg.type === 'snapshot') {
        subscribed = true;
        hooks.snapshot?.(bytes);
        clearTimeout(timer);
        resolve(ws);
      }
    });
  });
}
