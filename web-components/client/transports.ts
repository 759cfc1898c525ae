/**
 * The three ways to reach the stream, behind one small interface: a WebSocket (all dashboards of the page over
 * one socket), Server-Sent Events and long polling (one request stream per dashboard, for networks that block
 * WebSocket upgrades). A link reports that it opened, each message, and how it ended; it never retries by
 * itself: the connection decides what to try next.
 */

import { CLOSE, CODES, PING, asServerMessage, closeRefusal, isRefusal, parseServerMessage, streamQuery, type PollBody, type Refusal, type ServerMessage } from './protocol.js';
import type { RangeRequest } from './types.js';

/** How a link ended. */
export interface LinkEnd {
  /** Whether it had opened (a link that never opened makes the connection try the next transport, unless `busy`). */
  opened: boolean;
  /** Set when the server refused this page for good. */
  refusal?: Refusal;
  /** An error for one dashboard only (not found, invalid variable): the link ends, the others go on. */
  dashboardError?: Refusal;
  /** A close code, where the transport has one. */
  code?: number;
  /**
   * The server was at its snapshot rate (RTDASH_SERVER_BUSY: close code 1013, or HTTP 503): it is there and
   * this transport gets through, so the connection tries the same one again after a longer wait.
   */
  busy?: boolean;
}

/** What a link tells its owner. */
export interface LinkEvents {
  open(): void;
  message(msg: ServerMessage): void;
  end(info: LinkEnd): void;
}

/** A running link; `send` exists only on WebSocket links. */
export interface Link {
  send?(msg: object): void;
  close(): void;
}


/** How often a WebSocket link checks the server still answers (browsers cannot send ping frames). */
const PING_EVERY_MS = 15_000;
/** How long a ping may go unanswered before the link counts as dead. */
const PONG_WITHIN_MS = 10_000;

/**
 * A link that could not even start (the browser has no WebSocket or EventSource, or a policy makes its
 * constructor throw): it ends unopened right after its owner has it, so the connection tries the next transport.
 */
function unavailableLink(on: LinkEvents): Link {
  let closed = false;
  queueMicrotask(() => closed || on.end({ opened: false }));
  return {
    close: () => {
      closed = true;
    },
  };
}

/** `WebSocket.OPEN`, spelt out: the page may have replaced or removed `WebSocket` itself. */
const OPEN = 1;

/** Opens the page's WebSocket to `url` (ws: or wss:). */
export function webSocketLink(url: string, on: LinkEvents): Link {
  let ws: WebSocket;
  try {
    ws = new WebSocket(url);
  } catch {
    return unavailableLink(on);
  }
  let opened = false;
  let ended = false;
  let pongDue: ReturnType<typeof setTimeout> | undefined;
  // The server says why before it closes for a token (an error message, then 4401 or 4403); keep its words.
  let refusal: Refusal | undefined;
  const pinger = setInterval(() => {
    if (ws.readyState !== OPEN || pongDue !== undefined) return;
    ws.send(PING);
    pongDue = setTimeout(() => ws.close(CLOSE.NO_PONG, 'no pong'), PONG_WITHIN_MS);
  }, PING_EVERY_MS);
  const finish = (info: LinkEnd): void => {
    if (ended) return;
    ended = true;
    clearInterval(pinger);
    clearTimeout(pongDue);
    on.end(info);
  };
  ws.onopen = () => {
    opened = true;
    on.open();
  };
  ws.onmessage = (event) => {
    const msg = parseServerMessage(event.data);
    if (msg === undefined) return;
    clearTimeout(pongDue);
    pongDue = undefined;
    if (msg.type === 'error' && typeof msg.code === 'string' && isRefusal(msg.code)) refusal = { code: msg.code, message: String(msg.message) };
    // Busy is about the server, not the dashboard: the 1013 close that follows says it to the connection.
    else if (msg.type !== 'pong' && !(msg.type === 'error' && msg.code === CODES.BUSY)) on.message(msg);
  };
  ws.onclose = (event) => {
    const forGood = closeRefusal(event.code);
    if (forGood !== undefined) refusal ??= forGood;
    finish({ opened, code: event.code, ...(forGood && refusal && { refusal }), ...(event.code === CLOSE.TRY_AGAIN_LATER && { busy: true }) });
  };
  return {
    send: (msg) => {
      if (ws.readyState === OPEN) ws.send(JSON.stringify(msg));
    },
    close: () => {
      ws.onclose = null;
      ws.close(CLOSE.NORMAL);
      finish({ opened, code: CLOSE.NORMAL });
    },
  };
}

/** Opens an EventSource for one dashboard at `url` (which carries the dashboard, variables, token and resume cursor). */
export function sseLink(url: string, on: LinkEvents): Link {
  let source: EventSource;
  try {
    source = new EventSource(url);
  } catch {
    return unavailableLink(on);
  }
  let opened = false;
  let ended = false;
  const finish = (info: LinkEnd): void => {
    if (ended) return;
    ended = true;
    source.close();
    on.end(info);
  };
  source.onopen = () => {
    opened = true;
    on.open();
  };
  const onData = (event: MessageEvent): void => {
    const msg = parseServerMessage(event.data);
    if (msg === undefined) return;
    if (msg.type === 'error' && typeof msg.code === 'string' && isRefusal(msg.code)) finish({ opened, refusal: { code: msg.code, message: String(msg.message) } });
    else on.message(msg);
  };
  source.onmessage = onData;
  // The server names some events: `close` (it is shutting down or dropped us) and `error` (a refusal mid-stream).
  source.addEventListener('close', () => finish({ opened }));
  const probe = new AbortController();
  source.addEventListener('error', (event) => {
    if (event instanceof MessageEvent) onData(event);
    // An EventSource closes itself on an HTTP error status but cannot read it: ask once more to learn whether
    // the server was busy (503), which calls for a later try, not for another transport.
    else if (!opened && source.readyState === CLOSED) void refusedForBusy(url, probe.signal).then((busy) => finish({ opened, ...(busy && { busy }) }));
    else finish({ opened }); // a network error: the connection decides what to do
  });
  return {
    close: () => {
      probe.abort();
      finish({ opened });
    },
  };
}

/** `EventSource.CLOSED`, spelt out as OPEN above. */
const CLOSED = 2;

/** Whether a request to `url` is answered 503 RTDASH_SERVER_BUSY (anything else, a failure included, is not). */
async function refusedForBusy(url: string, signal: AbortSignal): Promise<boolean> {
  const ask = new AbortController();
  const stop = () => ask.abort();
  signal.addEventListener('abort', stop);
  try {
    const res = await fetch(url, { signal: ask.signal, cache: 'no-store', headers: { Accept: 'text/event-stream' } });
    if (res.status !== 503) return false;
    const body = (await res.json().catch(() => undefined)) as { error?: { code?: string } } | undefined;
    return body?.error?.code === CODES.BUSY;
  } catch {
    return false;
  } finally {
    stop(); // a stream that opened this time is not read: the connection opens its own
    signal.removeEventListener('abort', stop);
  }
}

/** The longest a poll waits on the server for news, in seconds. */
const POLL_WAIT_S = 25;

/** Long-polls one dashboard: `url(session, cursor)` builds each request's URL. */
export function pollLink(url: (session: string | undefined, cursor: string | undefined) => string, headers: Record<string, string>, on: LinkEvents): Link {
  const abort = new AbortController();
  let ended = false;
  let opened = false;
  const finish = (info: LinkEnd): void => {
    if (ended) return;
    ended = true;
    abort.abort();
    on.end(info);
  };
  void (async () => {
    let session: string | undefined;
    let cursor: string | undefined;
    while (!ended) {
      let res: Response;
      try {
        res = await fetch(url(session, cursor) + `&wait=${opened ? POLL_WAIT_S : 0}`, { signal: abort.signal, headers, cache: 'no-store' });
      } catch {
        finish({ opened });
        return;
      }
      const body = (await res.json().catch(() => undefined)) as PollBody | undefined;
      if (!res.ok) {
        const problem = { code: body?.error?.code ?? `HTTP_${res.status}`, message: body?.error?.message ?? `the server answered ${res.status}` };
        finish(isRefusal(problem.code) ? { opened, refusal: problem } : problem.code === CODES.BUSY ? { opened, busy: true } : res.status >= 500 ? { opened } : { opened, dashboardError: problem });
        return;
      }
      if (!opened) {
        opened = true;
        on.open();
      }
      session = body?.session;
      cursor = body?.cursor ?? cursor;
      for (const m of body?.messages ?? []) {
        const msg = asServerMessage(m);
        if (!ended && msg !== undefined) on.message(msg);
      }
    }
  })();
  return { close: () => finish({ opened }) };
}

/** What the SSE or poll link of one dashboard asks for. */
export interface DashboardRequest {
  server: string;
  dashboard: string;
  vars: Record<string, string>;
  /** The time range (undefined: the dashboard's default). */
  range?: RangeRequest | undefined;
  token: string | undefined;
  /** Where to resume from (DashboardState.cursor), or nothing for a fresh snapshot. */
  cursor: string | undefined;
}

/** Opens the Server-Sent Events (`sse`) or long-poll (`poll`) link of one dashboard. */
export function dashboardLink(kind: 'sse' | 'poll', request: DashboardRequest, on: LinkEvents): Link {
  const { server, cursor } = request;
  const params = streamQuery(request.dashboard, request.vars, request.range, request.token);
  if (kind === 'sse') {
    if (cursor !== undefined) params.set('lastEventId', cursor);
    return sseLink(`${server}/sse?${params}`, on);
  }
  const url = (session: string | undefined, next: string | undefined): string =>
    `${server}/api/poll?${params}${session ? `&session=${encodeURIComponent(session)}` : ''}${next ?? cursor ? `&cursor=${encodeURIComponent((next ?? cursor)!)}` : ''}`;
  return pollLink(url, {}, on);
}
