/**
 * The Server-Sent Events endpoint (`GET /sse?dashboard=ID&var-NAME=VALUE[&token=T]`): the same stream as
 * the WebSocket for clients that cannot use one. One dashboard per connection; an EventSource that
 * reconnects sends `Last-Event-ID` and gets exactly what it missed. An embed token that expires ends the
 * stream with an `error` (RTDASH_TOKEN_EXPIRED) and a `close` event (4401).
 */
import type { ServerResponse } from 'node:http';
import type { Context } from 'koa';
import { RtdashError, errorBody } from '../errors.js';
import { requestToken, type EmbedAccess } from '../embed-access.js';
import { expiredError } from '../embed-token.js';
import type { Limits } from '../model.js';
import type { Hub } from './hub.js';
import type { ConnectionGate } from './connection-gate.js';
import { CLOSE_GRACE_MS } from './peer.js';
import type { Identify } from '../auth/authenticator.js';
import { CLOSE, decodeCursor, errorMessage, helloMessage, sseCloseEvent, subscriptionFromQuery, type Outgoing } from './protocol.js';

/** What the endpoint needs. */
export interface SseDeps {
  hub: Hub;
  gate: ConnectionGate;
  access: EmbedAccess;
  limits: Limits;
  version: string;
  /** Who signed in behind a request (core/auth/authenticator.ts). */
  identify: Identify;
}

/** A Koa handler serving one SSE stream per request. */
export function sseHandler(deps: SseDeps): (ctx: Context) => Promise<void> {
  const { hub, gate, limits, access } = deps;
  const hello = helloMessage(deps.version, limits.heartbeatMs);
  return async (ctx) => {
    const request = subscriptionFromQuery(ctx.URL.searchParams);
    const grant = access.verify(requestToken(ctx.URL.searchParams, ctx.get('Authorization') || undefined));
    const identity = deps.identify(ctx.req);
    // Options of query variables read first, so that a value outside them is a 400 like any bad value.
    if (grant === undefined || !access.expired(grant)) await hub.ready(request.dashboard, grant, request.vars, identity?.principal);
    const refusal = gate.admit(ctx.req);
    if (refusal) throw new RtdashError(refusal.code, refusal.reason);
    const res = ctx.res;
    if (grant !== undefined && access.expired(grant)) {
      // An EventSource cannot read an HTTP status, so an expired token is said inside a stream, as when it expires later.
      gate.release(ctx.req);
      ctx.respond = false;
      startStream(res);
      res.write(hello.sse);
      const body = errorBody(expiredError(grant));
      res.write(errorMessage(body.code, body.message).sse);
      res.end(sseCloseEvent(CLOSE.TOKEN_EXPIRED, 'token expired'));
      return;
    }
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
        if (!res.writableEnded) res.end(sseCloseEvent(code, reason));
        // A client that stopped reading never takes the rest: its socket (and what is queued on it) goes.
        if (!res.writableFinished) setTimeout(() => res.destroy(), CLOSE_GRACE_MS).unref();
        end();
      },
    }, grant, identity);
    const heartbeat = setInterval(() => res.write(': ping\n\n'), limits.heartbeatMs);
    try {
      const cursor = decodeCursor(ctx.get('Last-Event-ID') || ctx.query.lastEventId?.toString());
      const resuming = Object.keys(cursor.positions).length > 0;
      hub.subscribe(peer, { ...request, version: resuming ? cursor.version : undefined, resume: resuming ? cursor.positions : undefined });
      ctx.respond = false;
      startStream(res);
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

/** Sends the headers of an event stream (with the CORS headers set so far) and the reconnect delay. */
function startStream(res: ServerResponse): void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no',
  });
  res.write(`retry: 2000\n\n`);
}
