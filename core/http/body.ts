/** Small request bodies (the alerts API's JSON, the sign-in form), read with a size cap. */
import type { Context } from 'koa';
import { RtdashError } from '../errors.js';

/** The largest body these routes read. */
export const MAX_BODY_BYTES = 16 * 1024;

async function readText(ctx: Context): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new RtdashError('RTDASH_PAYLOAD_TOO_LARGE', `the body is over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads a small JSON request body, refusing one that is too large or not JSON. */
export async function readJson(ctx: Context): Promise<unknown> {
  if (!/^application\/json\b/i.test(ctx.get('Content-Type'))) throw new RtdashError('RTDASH_BAD_REQUEST', 'send the body as JSON with "Content-Type: application/json"');
  const text = await readText(ctx);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new RtdashError('RTDASH_BAD_REQUEST', 'the body is not valid JSON');
  }
}

/** Reads a small HTML form body (application/x-www-form-urlencoded). */
export async function readForm(ctx: Context): Promise<URLSearchParams> {
  if (!/^application\/x-www-form-urlencoded\b/i.test(ctx.get('Content-Type'))) throw new RtdashError('RTDASH_BAD_REQUEST', 'send the form as application/x-www-form-urlencoded');
  return new URLSearchParams(await readText(ctx));
}
