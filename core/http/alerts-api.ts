/**
 * The alerts API: current alerts, their history, acknowledgements and silences. Every route is an admin
 * route (alerts name hosts and values of every dashboard); dashboards see their own alerts over the stream.
 */
import type Router from '@koa/router';
import type { Context } from 'koa';
import { RtdashError } from '../errors.js';
import type { AlertEngine } from '../alerts/engine.js';
import { requireAdmin, type SignedInRule } from './admin.js';
import { readJson } from './body.js';
import type { ConnectionGate } from '../stream/connection-gate.js';

/** Adds the alerts routes to the router. */
export function alertRoutes(router: Router, engine: AlertEngine, adminTokens: string[], gate: ConnectionGate, editors?: SignedInRule): void {
  // Signed-in editors (and admins) may read and act on alerts as admin tokens do.
  const admin = requireAdmin(adminTokens, gate, editors);
  /** Who acts: the signed-in user, else whoever holds an admin token (or the machine itself, without tokens). */
  const by = (ctx: Context) => editors?.principal(ctx)?.name ?? 'admin token';
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
    // An optional body says why: {"reason": "..."}.
    const body = ctx.get('Content-Type') === '' ? {} : await readJson(ctx);
    const reason = (body as { reason?: unknown } | null)?.reason;
    if (reason !== undefined && (typeof reason !== 'string' || reason.length > 500)) throw new RtdashError('RTDASH_BAD_REQUEST', '"reason" must be a string of at most 500 characters');
    // Stored (alerts.json, or Redis) before the answer, like a silence.
    ctx.body = await engine.acknowledge(ctx.params.id!, { by: by(ctx), ...(reason !== undefined && reason !== '' && { reason }) });
  });
  router.get('/api/silences', admin, (ctx) => {
    ctx.body = engine.silences.active(Date.now());
  });
  router.post('/api/silences', admin, async (ctx) => {
    // Stored (alerts.json, or Redis) before the answer: a silence the caller was told about survives a restart.
    ctx.body = await engine.silences.add(await readJson(ctx), Date.now(), by(ctx));
    ctx.status = 201;
  });
  router.delete('/api/silences/:id', admin, async (ctx) => {
    if (!(await engine.silences.remove(ctx.params.id!))) throw new RtdashError('RTDASH_ALERT_NOT_FOUND', `no silence "${ctx.params.id!.slice(0, 80)}"`);
    ctx.status = 204;
  });
}
