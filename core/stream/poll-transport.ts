/**
 * The long-poll endpoint (`GET /api/poll?dashboard=ID&var-NAME=VALUE[&session=S][&cursor=C][&token=T]`)
 * for clients that can use neither WebSocket nor SSE. A session is a peer whose messages wait in a
 * bounded queue until the next poll; a poll with nothing queued waits up to `wait` seconds.
 * A session unused for a minute ends; a poll naming an ended session resumes from its cursor.
 * Every poll carries its embed token again and is refused (401) once it has expired. A session counts
 * against the per-IP connection cap as a WebSocket does, from its first poll until it ends.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Context } from 'koa';
import { RtdashError } from '../errors.js';
import { requestToken, type EmbedAccess, type Grant } from '../embed-access.js';
import { expiredError } from '../embed-token.js';
import type { ConnectionGate } from './connection-gate.js';
import type { Hub } from './hub.js';
import type { Peer } from './peer.js';
import { decodeCursor, pollBody, subscriptionFromQuery, type Outgoing } from './protocol.js';
import type { RangeSpec } from '../time-range.js';
import type { Identify, Identity } from '../auth/authenticator.js';

/** A session ends when no poll came for this long. */
const SESSION_IDLE_MS = 60_000;
/** The longest a poll waits for news. */
const MAX_WAIT_S = 30;

interface Session {
  id: string;
  /** The embed token the session was opened with: a poll with another one gets its own session. */
  token: string | undefined;
  peer: Peer;
  /** The poll that opened the session: the gate counted it in and counts it out by it. */
  opener: IncomingMessage;
  queue: Outgoing[];
  queuedBytes: number;
  waiter: (() => void) | undefined;
  idle: NodeJS.Timeout;
}

/** A Koa handler for long polls, and a `close` for shutdown. */
export function pollHandler(hub: Hub, access: EmbedAccess, gate: ConnectionGate, identify: Identify): { handle(ctx: Context): Promise<void>; close(): void } {
  const sessions = new Map<string, Session>();
  const ended = new WeakSet<Session>();

  const endSession = (session: Session) => {
    if (ended.has(session)) return;
    ended.add(session);
    clearTimeout(session.idle);
    sessions.delete(session.id);
    hub.removePeer(session.peer);
    session.queue = [];
    session.queuedBytes = 0;
    gate.release(session.opener);
    session.waiter?.();
  };

  const open = (ctx: Context, request: ReturnType<typeof subscriptionFromQuery>, token: string | undefined, grant: Grant | undefined, identity: Identity | undefined): Session => {
    const refusal = gate.admit(ctx.req);
    if (refusal !== undefined) throw new RtdashError(refusal.code, refusal.reason);
    const id = randomBytes(12).toString('base64url');
    const session: Session = {
      id,
      token,
      opener: ctx.req,
      queue: [],
      queuedBytes: 0,
      waiter: undefined,
      idle: setTimeout(() => endSession(session), SESSION_IDLE_MS),
      peer: undefined as unknown as Peer,
    };
    session.peer = hub.addPeer({
      kind: 'poll',
      ip: gate.ipOf(ctx.req),
      send(message) {
        session.queue.push(message);
        session.queuedBytes += message.json.length;
        session.waiter?.();
      },
      // The hub conflates a session whose queue grows past the slow-client threshold, as for a socket.
      bufferedBytes: () => session.queuedBytes,
      close: () => endSession(session),
    }, grant, identity);
    const cursor = decodeCursor(ctx.query.cursor?.toString());
    const resuming = Object.keys(cursor.positions).length > 0;
    try {
      hub.subscribe(session.peer, { ...request, version: resuming ? cursor.version : undefined, resume: resuming ? cursor.positions : undefined });
    } catch (err) {
      endSession(session);
      throw err;
    }
    sessions.set(id, session);
    return session;
  };

  return {
    async handle(ctx) {
      const request = subscriptionFromQuery(ctx.URL.searchParams);
      const token = requestToken(ctx.URL.searchParams, ctx.get('Authorization') || undefined);
      const grant = access.live(token);
      const identity = identify(ctx.req);
      const named = sessions.get(ctx.query.session?.toString() ?? '');
      // A poll session goes on only for the same token and the same sign-in (or the same proxy user) that opened it.
      const known = named && named.token === token && sameViewer(named.peer.identity, identity) && named.peer.views.has(request.dashboard);
      // Options of query variables read first, so that a value outside them is a 400 like any bad value.
      if (!known) await hub.ready(request.dashboard, grant, request.vars, identity?.principal);
      const session = known && named ? named : open(ctx, request, token, grant, identity);
      // Another time range on the same session replaces its subscription, as a WebSocket subscribe does.
      if (session === named && request.range !== undefined && !sameRange(named.peer.views.get(request.dashboard)?.range, request.range)) hub.subscribe(session.peer, request);
      session.idle.refresh();
      if (session.queue.length === 0) {
        const waitS = Math.min(MAX_WAIT_S, Math.max(0, Number(ctx.query.wait ?? 25) || 0));
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, waitS * 1000);
          function done() {
            clearTimeout(timer);
            session.waiter = undefined;
            ctx.req.off('close', done);
            resolve();
          }
          session.waiter = done;
          ctx.req.on('close', done);
        });
      }
      // The token may have expired while the poll waited: the hub then ended the session.
      if (grant !== undefined && access.expired(grant)) {
        endSession(session);
        throw expiredError(grant);
      }
      const messages = session.queue;
      session.queue = [];
      session.queuedBytes = 0;
      const last = messages.findLast((m) => m.eventId !== undefined);
      ctx.type = 'application/json';
      ctx.set('Cache-Control', 'no-store');
      ctx.body = pollBody(session.id, last?.eventId ?? ctx.query.cursor ?? null, messages);
    },
    close() {
      for (const session of [...sessions.values()]) endSession(session);
    },
  };
}

/** Whether a poll asks for the range its session already shows (an end left out counts as unchanged). */
function sameRange(shown: RangeSpec | undefined, asked: { from?: string; to?: string }): boolean {
  if (shown === undefined) return false;
  return (asked.from === undefined || asked.from.trim() === shown.from) && (asked.to === undefined || asked.to.trim() === shown.to);
}

/** Whether two requests come from the same viewer: the same session, or the same proxy-named user, or both anonymous. */
function sameViewer(a: Identity | undefined, b: Identity | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a.session !== undefined || b.session !== undefined) return a.session?.id === b.session?.id;
  return a.principal.name === b.principal.name && a.principal.groups.join('\n') === b.principal.groups.join('\n');
}
