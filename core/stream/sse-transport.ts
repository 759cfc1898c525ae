/**
 * The Server-Sent Events endpoint (`GET /sse?dashboard=ID&var-NAME=VALUE`): the same stream as the
 * WebSocket for clients that cannot use one. One dashboard per connection; an EventSource that
 * reconnects sends `Last-Event-ID` and gets exactly what it missed.
 */
import type { Context } from 'koa';
import { RtdashError } from '../errors.js';
import type { Limits } from '../model.js';
import type { Hub } from './hub.js';
import type { ConnectionGate } from './connection-gate.js';
import { decodeCursor, helloMessage, subscriptionFromQuery, type Outgoing } from './protocol.js';

/** What the endpoint needs. */
export interface SseDeps {
  hub: Hub;
  gate: ConnectionGate;
  limits: Limits;
  version: string;
}

/** A Koa handler serving one SSE stream per request. */
export function sseHandler(deps: SseDeps): (ctx: Context) => void {
  const { hub, gate, limits } = deps;
  const hello = helloMessage(deps.version, limits.heartbeatMs);
  return (ctx) => {
    const request = subscriptionFromQuery(ctx.URL.searchParams);
    const refusal = gate.admit(ctx.req);
    if (refusal) throw new RtdashError(refusal.status === 403 ? 'RTDASH_ORIGIN_FORBIDDEN' : 'RTDASH_TOO_MANY_CONNECTIONS', refusal.reason);
    const res = ctx.res;
    let ended = false;
    // Messages wait here until the headers are out: a bad request must still get a JSON error and a status.
    let early: Outgoing[] | undefined = [];
    const end = () => {
      if (ended) return;
      ended = true;
      clearInterval(heartbeat);
      hub.removePeer(peer);
      gate.release(ctx.req);
    };
    const peer = hub.addPeer({
      kind: 'sse',
      ip: gate.ipOf(ctx.req),
      send: (message: Outgoing) => {
        if (early) early.push(message);
        else if (!res.writableEnded) res.write(message.sse);
      },
      bufferedBytes: () => res.writableLength,
      close: (code, reason) => {
        if (!res.writableEnded) res.end(`event: close\ndata: ${JSON.stringify({ code, reason })}\n\n`);
        end();
      },
    });
    const heartbeat = setInterval(() => res.write(': ping\n\n'), limits.heartbeatMs);
    try {
      const cursor = decodeCursor(ctx.get('Last-Event-ID') || ctx.query.lastEventId?.toString());
      const resuming = Object.keys(cursor.positions).length > 0;
      hub.subscribe(peer, { ...request, version: resuming ? cursor.version : undefined, resume: resuming ? cursor.positions : undefined });
      ctx.respond = false;
      res.writeHead(200, {
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache, no-transform',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      res.write(`retry: 2000\n\n`);
      res.write(hello.sse);
      for (const m of early) res.write(m.sse);
      early = undefined;
    } catch (err) {
      end();
      throw err;
    }
    ctx.req.on('close', end);
  };
}
