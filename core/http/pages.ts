/**
 * The server's own pages, made of the same elements a site embeds: `/` lists the dashboards with
 * `<rt-dashboard-list>`, `/d/ID` shows one with `<rt-dashboard>`, its variable values (and theme, and embed
 * token) in the query string so a link shares a view. Load problems of dashboard files are rendered here on
 * the server, since no element knows them.
 */
import type { Dashboard } from '../model.js';
import { formatProblem, type Problem } from '../config/index.js';

// The page around the elements follows the same palette (client/theme.ts) so there is no seam.
const STYLE = `:root{color-scheme:light dark;--bg:#f4f6f9;--panel:#fff;--border:#dde2ea;--text:#1b2230;--muted:#5f6b7d;--accent:#2f6fde;--error:#c7372f}
@media (prefers-color-scheme:dark){:root:not(.light){--bg:#0f131a;--panel:#171c25;--border:#2a3240;--text:#e4e8ef;--muted:#9aa5b5;--accent:#6ea0ff;--error:#ff6b61}}
:root.dark{--bg:#0f131a;--panel:#171c25;--border:#2a3240;--text:#e4e8ef;--muted:#9aa5b5;--accent:#6ea0ff;--error:#ff6b61}
body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;color:var(--text);background:var(--bg)}
a{color:var(--accent)}main{max-width:88rem;margin:0 auto;padding:0 .25rem 2rem}nav{display:flex;gap:1rem;align-items:center;padding:.6rem 12px;font-size:.9rem;color:var(--muted)}
nav a{text-decoration:none}.brand{font-weight:700;color:var(--text);letter-spacing:-.01em}h1{font-size:1.5rem;margin:.5rem 12px 1rem}
.problems{background:var(--panel);border:1px solid var(--error);color:var(--text);padding:.6rem 1rem;margin:0 12px 1rem;border-radius:8px}
.account{margin-left:auto}.signout{background:none;border:0;color:var(--accent);cursor:pointer;font:inherit;padding:0}
.login input{font:inherit;padding:.35rem .5rem;border:1px solid var(--border);border-radius:6px;background:var(--panel);color:var(--text)}
.login button,.login .provider{font:inherit;padding:.4rem .8rem;border:0;border-radius:6px;background:var(--accent);color:#fff;cursor:pointer;text-decoration:none;text-align:center}
.problems strong{color:var(--error)}code{font-size:.85em}.muted{color:var(--muted);font-size:.85rem;margin:1.5rem 12px}rt-dashboard-list{margin:0 12px}`;

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function page(title: string, body: string, script = ''): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · rtdash</title><link rel="icon" href="data:,"><style>${STYLE}</style><script type="module" src="/rt-dashboard.js"></script>${script}</head>
<body><main>${body}</main></body></html>`;
}

function problemList(problems: readonly Problem[]): string {
  if (problems.length === 0) return '';
  const items = problems.map((p) => `<li><code>${escapeHtml(formatProblem(p))}</code></li>`).join('');
  return `<div class="problems" role="alert"><strong>Some dashboard files have problems</strong> (a file that was valid before keeps serving its last good version):<ul>${items}</ul></div>`;
}

export const nav = (extra = ''): string => `<nav><a class="brand" href="/">rtdash</a>${extra}</nav>`;

/** The nav's account part: who is signed in and a sign-out button (with the session's CSRF token), or a sign-in link. */
export function accountNav(signedIn: { name: string; role: string; csrf?: string } | undefined, canSignIn: boolean): string {
  if (signedIn === undefined) return canSignIn ? '<a class="account" href="/login">Sign in</a>' : '';
  const out = signedIn.csrf === undefined ? '' : `<form method="post" action="/logout" style="display:inline"><input type="hidden" name="csrf" value="${escapeHtml(signedIn.csrf)}"><button class="signout">Sign out</button></form>`;
  return `<span class="account">${escapeHtml(signedIn.name)} (${escapeHtml(signedIn.role)})</span>${out}`;
}

/** A page for a dashboard id that is not there, naming files that failed to load. */
export function notFoundPage(id: string, problems: readonly Problem[]): string {
  return page('Not found', `${nav()}<h1>No dashboard "${escapeHtml(id)}"</h1>${problemList(problems)}<p class="muted"><a href="/">See the dashboards there are</a></p>`);
}

/**
 * A dashboard the signed-in (or anonymous) viewer may not open: why, in words, with the way on (another account,
 * the list). Nothing of the dashboard itself is shown, not even its title.
 */
export function refusedPage(message: string, account: string, signInAgain?: string): string {
  const other = signInAgain === undefined ? '' : ` · <a href="${escapeHtml(signInAgain)}">Sign in as someone else</a>`;
  return page('Not for you', `${nav(`<a href="/">Dashboards</a>${account}`)}<h1>You cannot open this dashboard</h1><div class="problems" role="alert">${escapeHtml(message)}</div>
<p class="muted"><a href="/">See the dashboards you can open</a>${other}</p>`);
}

/** The list of dashboards. */
export function indexPage(_dashboards: Dashboard[], problems: readonly Problem[] = [], account = ''): string {
  return page(
    'Dashboards',
    `${nav(account)}<h1>Dashboards</h1>${problemList(problems)}<rt-dashboard-list></rt-dashboard-list>
<p class="muted">API: <a href="/api/dashboards">/api/dashboards</a> · <a href="/api/datasources">/api/datasources</a> · <a href="/metrics">/metrics</a> · stream: <code>/ws</code>, <code>/sse</code>, <code>/api/poll</code></p>`,
  );
}

/**
 * A dashboard page asked for with variable values or a time range it does not accept, with links to the list of
 * dashboards and to the dashboard with its defaults (keeping the page's embed token and theme, so the link opens).
 */
export function badVariablesPage(dashboard: Dashboard, message: string, params: URLSearchParams = new URLSearchParams()): string {
  const kept = new URLSearchParams([...params].filter(([k]) => k === 'token' || k === 'theme')).toString();
  const defaults = `/d/${encodeURIComponent(dashboard.id)}${kept === '' ? '' : `?${kept}`}`;
  return page(
    dashboard.title,
    `${nav('<a href="/">Dashboards</a>')}<h1>${escapeHtml(dashboard.title)}</h1><div class="problems" role="alert">${escapeHtml(message)}</div>
<p class="muted"><a href="${escapeHtml(defaults)}">Open it with the default values and range</a> · <a href="/">See the dashboards there are</a></p>`,
  );
}

/**
 * One dashboard, full page. The query string carries `var-NAME=VALUE` (as Grafana's URLs), `theme=light|dark`,
 * the time range `from` and `to`, and an embed `token`; they become the element's attributes here, so it connects once with all of them.
 * Picking a variable or a time range (or zooming) rewrites the URL so it can be shared.
 */
export function dashboardPage(dashboard: Dashboard, params: URLSearchParams = new URLSearchParams(), account = ''): string {
  const vars = new URLSearchParams([...params].filter(([k]) => k.startsWith('var-')).map(([k, v]) => [k.slice(4), v]));
  const theme = params.get('theme');
  const token = params.get('token');
  const from = params.get('from');
  const to = params.get('to');
  const attributes = [
    `dashboard="${escapeHtml(dashboard.id)}"`,
    vars.size > 0 ? `vars="${escapeHtml(vars.toString())}"` : '',
    theme === 'light' || theme === 'dark' ? `theme="${theme}"` : '',
    // The range (docs/time.md) was checked by the route; the element asks the server for it.
    from ? `from="${escapeHtml(from)}"` : '',
    to ? `to="${escapeHtml(to)}"` : '',
    token ? `token="${escapeHtml(token)}"` : '',
  ].filter((a) => a !== '');
  const script = `<script type="module">
const el = document.querySelector('rt-dashboard');
if (el.theme) document.documentElement.classList.add(el.theme);
el.addEventListener('rt-vars-change', (event) => {
  const next = new URLSearchParams([...new URLSearchParams(location.search)].filter(([k]) => !k.startsWith('var-')));
  for (const [k, v] of Object.entries(event.detail.vars)) next.set('var-' + k, v);
  history.replaceState(null, '', '?' + next.toString());
});
el.addEventListener('rt-range-change', (event) => {
  const next = new URLSearchParams(location.search);
  next.set('from', event.detail.from);
  next.set('to', event.detail.to);
  history.replaceState(null, '', '?' + next.toString());
});
</script>`;
  return page(dashboard.title, `${nav(`<a href="/">Dashboards</a>${account}`)}<rt-dashboard ${attributes.join(' ')}></rt-dashboard>`, script);
}
