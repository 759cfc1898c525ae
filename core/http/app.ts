/**
 * The HTTP side of the server (Koa + @koa/router): the API, the schemas, the pages, health and
 * metrics, and the SSE and long-poll streams. Every route is listed here, so this is the map.
 * Dashboards are reached only through EmbedAccess.admit, which applies `access: token` and embed tokens.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Koa from 'koa';
import Router from '@koa/router';
import { RtdashError, messageOf } from '../errors.js';
import { requestToken } from '../embed-access.js';
import { schemaDir } from '../paths.js';
import { editorSchema, withNotifierTypes, withSourceTypes } from '../config/editor-schema.js';
import { publicDashboard } from '../public-dashboard.js';
import { recentHealth } from '../registry.js';
import { formatProblem } from '../config/index.js';
import type { ServerParts } from '../server-parts.js';
import { sseHandler } from '../stream/sse-transport.js';
import { pollHandler } from '../stream/poll-transport.js';
import { jsonErrors } from './errors-middleware.js';
import { accountNav, badVariablesPage, dashboardPage, indexPage, notFoundPage, refusedPage } from './pages.js';
import { isAdmin, requireAdmin } from './admin.js';
import { varsFromQuery } from '../query-vars.js';
import { rangeFromQuery } from '../stream/protocol.js';
import { widgetData } from './widget-data.js';
import { widgetLimits } from './widget-limits.js';
import { webAssets } from './assets.js';
import { variableStates } from './variable-states.js';
import { alertRoutes } from './alerts-api.js';
import { hostCheck, originCheck } from './origins.js';
import { csrfCheck } from './csrf.js';
import { signInRoutes } from './sign-in-routes.js';
import { hasRole, type Role } from '../auth/principal.js';

const SCHEMAS: Record<string, string> = { 'config.json': 'config.schema.json', 'dashboard.json': 'dashboard.schema.json', 'alerts.json': 'alerts.schema.json', 'frame.json': 'frame.schema.json', 'protocol.json': 'protocol.schema.json' };

/** Builds the Koa application; `close` ends the long-poll sessions. */
export function createApp(parts: ServerParts): { app: Koa; close(): void } {
  const { store, hub, gate, access, metrics, logger } = parts;
  const app = new Koa({ proxy: false });
  const router = new Router();
  const identify = (req: Koa.Context['req']) => parts.auth.identify(req);
  const poll = pollHandler(hub, access, gate, identify);
  const find = (id: string) => store.served(id);
  /** The signed-in viewer of a request (a session, or the trusted proxy's user), if any. */
  const principalOf = (ctx: Koa.Context) => identify(ctx.req)?.principal;
  const hasAdminToken = isAdmin(parts.config.auth.adminTokens);
  const signedInAs = (role: Role) => ({ principal: principalOf, role });
  /** An admin: a bearer token from auth.admin_tokens, or a signed-in user with the admin role. */
  const admin = (ctx: Koa.Context) => hasAdminToken(ctx) || hasRole(principalOf(ctx), 'admin');
  const account = (ctx: Koa.Context) => {
    const identity = identify(ctx.req);
    return accountNav(identity && { ...identity.principal, ...(identity.session && { csrf: identity.session.csrf }) }, parts.auth.modes.some((m) => m !== 'proxy'));
  };
  const bounded = widgetLimits(parts);
  /** The dashboard of an /api route, after the embed-token rules (`?token=` or `Authorization: Bearer`, unless that is an admin token). */
  const grantOf = (ctx: Koa.Context) => access.live(requestToken(ctx.URL.searchParams, (!hasAdminToken(ctx) && ctx.get('Authorization')) || undefined));
  const admitted = (ctx: Koa.Context, vars?: Record<string, string>) => access.admitReady(ctx.params.id!, grantOf(ctx), find, vars, principalOf(ctx));

  app.use(jsonErrors(logger));
  // Before everything else, the bundle too: a rebound name gets nothing from this server.
  app.use(hostCheck(gate));
  // The bundle is public code, served to every origin before the origin check.
  app.use(webAssets());
  app.use(originCheck(gate));
  // With cluster.redis, a session started on another instance is read before anything asks who the viewer is.
  app.use(async (ctx, next) => {
    await parts.auth.warm(ctx.req);
    return next();
  });
  app.use(csrfCheck(parts.auth, gate));

  router.get('/', (ctx) => {
    ctx.type = 'html';
    const principal = principalOf(ctx);
    ctx.body = indexPage(store.list().filter((d) => access.listed(d, principal)), store.problems, account(ctx));
  });
  router.get('/d/:id', async (ctx) => {
    const dashboard = store.get(ctx.params.id!);
    ctx.type = 'html';
    if (dashboard === undefined) ctx.status = 404;
    if (dashboard === undefined) {
      ctx.body = notFoundPage(ctx.params.id!, store.problems);
      return;
    }
    try {
      const grant = access.live(requestToken(ctx.URL.searchParams));
      await access.admitReady(dashboard.id, grant, () => dashboard, varsFromQuery(ctx.URL.searchParams), principalOf(ctx));
      access.range(grant, dashboard, rangeFromQuery(ctx.URL.searchParams));
    } catch (err) {
      // A value the token fixes otherwise hides nothing: the element goes on with the token's value and says why.
      if (err instanceof RtdashError && err.code === 'RTDASH_VARIABLE_FIXED') {
        ctx.set('Referrer-Policy', 'no-referrer');
        ctx.body = dashboardPage(dashboard, ctx.URL.searchParams, account(ctx));
        return;
      }
      // A dashboard for signed-in users sends an anonymous viewer to sign in, and back here after.
      if (err instanceof RtdashError && err.code === 'RTDASH_SIGN_IN_REQUIRED' && parts.auth.enabled) {
        ctx.redirect(`/login?next=${encodeURIComponent(ctx.URL.pathname + ctx.URL.search)}`);
        return;
      }
      ctx.status = err instanceof RtdashError ? err.status : 400;
      // A signed-in viewer outside the dashboard's groups (or anyone, on a server with no sign-in): why, and the way on.
      if (err instanceof RtdashError && (err.code === 'RTDASH_FORBIDDEN' || err.code === 'RTDASH_SIGN_IN_REQUIRED')) {
        const again = parts.auth.modes.some((m) => m !== 'proxy') ? `/login?next=${encodeURIComponent(ctx.URL.pathname + ctx.URL.search)}` : undefined;
        ctx.body = refusedPage(err.message, account(ctx), again);
        return;
      }
      // Nothing of a dashboard the viewer may not see is rendered, not even its title.
      if (err instanceof RtdashError && /^RTDASH_TOKEN_/.test(err.code)) {
        ctx.type = 'text/plain';
        ctx.body = `${err.message}\n`;
        return;
      }
      if (ctx.URL.searchParams.has('token')) ctx.set('Referrer-Policy', 'no-referrer');
      ctx.body = badVariablesPage(dashboard, messageOf(err), ctx.URL.searchParams);
      return;
    }
    // The token is in this page's URL: links out of it must not carry it away in a Referer.
    if (ctx.URL.searchParams.has('token')) ctx.set('Referrer-Policy', 'no-referrer');
    ctx.body = dashboardPage(dashboard, ctx.URL.searchParams, account(ctx));
  });

  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', (ctx) => {
    const ready = parts.ready();
    ctx.status = ready ? 200 : 503;
    // The problems name files and quote them: for admins only, like every other detail (docs/security.md).
    const problems = admin(ctx) ? { problems: store.problems.map(formatProblem) } : {};
    const cluster = parts.cluster === undefined ? {} : { cluster: parts.cluster.summary() };
    ctx.body = { status: ready ? 'ready' : 'not ready', dashboards: store.list().length, problemCount: store.problems.length, ...cluster, ...problems };
  });
  router.get('/metrics', async (ctx) => {
    const { contentType, body } = await metrics.text();
    ctx.type = contentType;
    ctx.body = body;
  });
  const { registry } = parts;
  // Composed once: the plugins and notifier types do not change while the server runs.
  let editorConfig: string | undefined;
  const editorConfigSchema = (text: string): string =>
    (editorConfig ??= JSON.stringify(editorSchema(withNotifierTypes(withSourceTypes(JSON.parse(text) as Record<string, unknown>, registry.types().map((type) => registry.get(type)!)), registry.notifierTypes().values())), null, 2));
  router.get('/schemas/:name', async (ctx) => {
    const file = SCHEMAS[ctx.params.name!];
    if (file === undefined) throw new RtdashError('RTDASH_NOT_FOUND', `no schema "${ctx.params.name}"; there are ${Object.keys(SCHEMAS).join(', ')}`);
    ctx.type = 'application/schema+json';
    ctx.set('Cache-Control', 'public, max-age=300');
    const text = await readFile(join(schemaDir, file), 'utf8');
    // config.yaml may write any value as ${VAR}: the editor's copy says so (the loader checks the filled-in values).
    ctx.body = file === 'config.schema.json' ? editorConfigSchema(text) : text;
  });

  router.get('/api/dashboards', (ctx) => {
    const principal = principalOf(ctx);
    ctx.body = store.list().filter((d) => access.listed(d, principal)).map((d) => ({ id: d.id, title: d.title, description: d.description ?? null, version: d.version, widgets: d.widgets.length }));
  });
  router.get('/api/dashboards/:id', async (ctx) => {
    const { dashboard } = await admitted(ctx);
    const time = access.timeFor(grantOf(ctx), dashboard);
    ctx.body = { ...publicDashboard(dashboard), ...(time !== undefined && { time }) };
  });
  router.get('/api/dashboards/:id/variables', async (ctx) => {
    const { dashboard, variables } = await admitted(ctx, varsFromQuery(ctx.URL.searchParams));
    ctx.body = variableStates(parts.variableOptions, dashboard, variables, admin(ctx));
  });
  router.get('/api/dashboards/:id/widgets/:widget', async (ctx) => {
    const { dashboard, variables } = await admitted(ctx, varsFromQuery(ctx.URL.searchParams));
    const range = access.range(grantOf(ctx), dashboard, rangeFromQuery(ctx.URL.searchParams));
    ctx.type = 'application/json';
    ctx.body = await bounded(ctx, (gone) => widgetData(parts, dashboard, ctx.params.widget!, variables, admin(ctx), gone, range));
  });
  router.get('/api/datasources', async (ctx) => {
    // A health message holds a driver's words (hosts, user names): viewers get up/down, admins everything.
    const detailed = admin(ctx);
    ctx.body = await Promise.all(
      [...parts.sources.values()].map(async (s) => {
        const health = await recentHealth(s);
        return { name: s.config.name, type: s.config.type, health: detailed ? health : { status: health.status } };
      }),
    );
  });
  router.post('/api/reload', requireAdmin(parts.config.auth.adminTokens, gate, signedInAs('editor')), async (ctx) => {
    const result = await parts.reload();
    ctx.status = result.problems.length ? 422 : 200;
    ctx.body = { dashboards: result.dashboards, changed: result.changed, problems: result.problems.map(formatProblem) };
  });
  router.get('/api/cluster', requireAdmin(parts.config.auth.adminTokens, gate, signedInAs('admin')), async (ctx) => {
    const cluster = parts.cluster;
    if (cluster === undefined) throw new RtdashError('RTDASH_NOT_FOUND', 'this server runs alone: cluster.redis is not set');
    ctx.body = { ...cluster.summary(), ...(await cluster.status()) };
  });
  alertRoutes(router, parts.alerts, parts.config.auth.adminTokens, gate, signedInAs('editor'));
  signInRoutes(router, parts.auth, gate, parts.config.server.publicUrl, logger);
  router.get('/api/poll', (ctx) => poll.handle(ctx));
  router.get('/sse', sseHandler({ hub, gate, access, limits: parts.config.server.limits, version: parts.version, identify }));

  app.use(router.routes());
  app.use(router.allowedMethods());
  return { app, close: () => poll.close() };
}
