/**
 * The bounds of the widget API (`GET /api/dashboards/:id/widgets/:w`), which may start a job and a query
 * for each new set of variable values just as a subscribe does. Each client address may ask
 * max_subscribes_per_second times a second (bursts of twice that); every request is charged to the
 * server-wide max_snapshots_per_second; a request waiting for its first result holds one of the
 * address's max_connections_per_ip slots; and a request whose client hangs up stops waiting at once.
 */
import type { Context } from 'koa';
import { RtdashError } from '../errors.js';
import type { ServerParts } from '../server-parts.js';
import { AddressRates } from '../stream/address-rates.js';

/** Answers a request through `answer` within the bounds, or throws the catalogue error of the one it is past. */
export type Bounded = <T>(ctx: Context, answer: (gone: AbortSignal) => Promise<T>) => Promise<T>;

/** The bounds of one server's widget API. */
export function widgetLimits(parts: ServerParts): Bounded {
  const { gate, hub } = parts;
  const perSecond = parts.config.server.limits.maxSubscribesPerSecond;
  const rates = new AddressRates(perSecond);
  return async (ctx, answer) => {
    if (!rates.take(gate.ipOf(ctx.req))) {
      ctx.set('Retry-After', '1');
      throw new RtdashError('RTDASH_RATE_LIMITED', `too many widget requests from this address: at most ${perSecond} a second (server.limits.max_subscribes_per_second); try again in a moment`);
    }
    if (!hub.takeSnapshot()) {
      ctx.set('Retry-After', '1');
      throw new RtdashError('RTDASH_SERVER_BUSY', 'the server is busy serving new viewers; try again in a moment');
    }
    const refusal = gate.admit(ctx.req);
    if (refusal !== undefined) throw new RtdashError(refusal.code, refusal.reason);
    const gone = new AbortController();
    const hangUp = () => gone.abort();
    ctx.res.once('close', hangUp);
    try {
      // On a busy server a request may be read after its client gave up: no job is started for no one.
      if (ctx.req.socket.destroyed) throw new RtdashError('RTDASH_BAD_REQUEST', 'the client hung up before the request was served');
      return await answer(gone.signal);
    } finally {
      ctx.res.off('close', hangUp);
      gate.release(ctx.req);
    }
  };
}
