/**
 * The alerts API: current alerts, their history, acknowledgements and silences. Every route is an admin
 * route (alerts name hosts and values of every dashboard); dashboards see their own alerts over the stream.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { RtdashError } from '../errors.js';
import type { AlertEngine } from '../alerts/engine.js';
import { requireAdmin } from './admin.js';
import type { ConnectionGate } from '../stream/connection-gate.js';

/** The largest JSON body the alerts API reads. */
const MAX_BODY_BYTES = 16 * 1024;

/** Adds the alerts routes to the router. */
export function alertRoutes(router: Router, engine: AlertEngine, adminTokens: string[], gate: ConnectionGate): void {
  const admin = requireAdmin(adminTokens, gate);
  router.get('/api/alerts', admin, (ctx) => {
    const dashboard = ctx.query.dashboard?.toString();
    ctx.body = engine.alerts(dashboard);
  });
  router.get('/api/alerts/history', admin, async (ctx) => {
    const rule = ctx.query.rule?.toString();
    const limit = Math.min(1000, Math.max(1, Number(ctx.query.limit ?? 100) || 100));
    ctx.body = await engine.history({ ...(rule !== undefined && { rule }), limit });
  });
  router.post('/api/alerts/:id/ack', admin, async (ctx) => {
    // Stored (alerts.json, or Redis) before the answer, like a silence.
    ctx.body = await engine.acknowledge(ctx.params.id!);
  });
  router.get('/api/silences', admin, (ctx) => {
    ctx.body = engine.silences.active(Date.now());
  });
  router.post('/api/silences', admin, async (ctx) => {
    // Stored (alerts.json, or Redis) before the answer: a silence the caller was told about survives a restart.
    ctx.body = await engine.silences.add(await readJson(ctx), Date.now());
    ctx.status = 201;
  });
  router.delete('/api/silences/:id', admin, async (ctx) => {
    if (!(await engine.silences.remove(ctx.params.id!))) throw new RtdashError('RTDASH_ALERT_NOT_FOUND', `no silence "${ctx.params.id!.slice(0, 80)}"`);
    ctx.status = 204;
  });
}

/** Reads a small JSON request body, refusing one that is too large or not JSON. */
async function readJson(ctx: Context): Promise<unknown> {
  if (!/^application\/json\b/i.test(ctx.get('Content-Type'))) throw new RtdashError('RTDASH_BAD_REQUEST', 'send the body as JSON with "Content-Type: application/json"');
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new RtdashError('RTDASH_PAYLOAD_TOO_LARGE', `the body is over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new RtdashError('RTDASH_BAD_REQUEST', 'the body is not valid JSON');
  }
}
