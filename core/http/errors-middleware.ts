/** Turns anything thrown in a request into a JSON error with a stable code; internal messages stay in the log. */
import type { Context, Next } from 'koa';
import { RtdashError, errorBody } from '../errors.js';
import type { Logger } from '../plugin.js';

/** Koa middleware: JSON errors `{ "error": { "code", "message" } }`. */
export function jsonErrors(logger: Logger) {
  return async function jsonErrorsMiddleware(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        throw new RtdashError('RTDASH_NOT_FOUND', `no route for ${ctx.method} ${ctx.path}`);
      }
    } catch (err) {
      const body = errorBody(err);
      const status = err instanceof RtdashError ? err.status : typeof (err as { status?: unknown }).status === 'number' ? (err as { status: number }).status : 500;
      if (status >= 500 && body.code === 'RTDASH_INTERNAL') logger.error({ err, path: ctx.path }, 'request failed');
      ctx.status = status;
      ctx.type = 'application/json';
      ctx.body = { error: status < 500 && !(err instanceof RtdashError) ? { code: status === 413 ? 'RTDASH_PAYLOAD_TOO_LARGE' : 'RTDASH_BAD_MESSAGE', message: (err as Error).message } : body };
    }
  };
}
