/**
 * The server's own pages until the web components arrive: `/` lists the dashboards, `/d/ID` shows
 * one as a live table of widget values straight from the WebSocket stream.
 */
import type { Dashboard } from '../model.js';
import { formatProblem, type Problem } from '../config/index.js';

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#1d2330;background:#f6f7f9}
a{color:#2456c7}h1{font-size:1.6rem}table{border-collapse:collapse;width:100%;background:#fff}
td,th{border-bottom:1px solid #e3e6eb;padding:.45rem .6rem;text-align:left;vertical-align:top}
th{background:#eef1f5;font-weight:600}.muted{color:#667085}.ok{color:#137333}.error{color:#b3261e}.pending{color:#8a6d00}
code{background:#eef1f5;padding:0 .25rem;border-radius:3px}#status{float:right}
.problems{background:#fdecea;border:1px solid #f5c2c0;padding:.6rem 1rem;margin:1rem 0;border-radius:4px}
.note{background:#eef1f5;padding:.5rem .8rem;border-radius:4px}`;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)} · rtdash</title><style>${STYLE}</style></head><body>${body}</body></html>`;
}

function problemList(problems: readonly Problem[]): string {
  if (problems.length === 0) return '';
  const items = problems.map((p) => `<li><code>${escapeHtml(formatProblem(p))}</code></li>`).join('');
  return `<div class="problems"><strong>Some dashboard files have problems</strong> (a file that was valid before keeps serving its last good version):<ul>${items}</ul></div>`;
}

/** A page for a dashboard id that is not there, naming files that failed to load. */
export function notFoundPage(id: string, problems: readonly Problem[]): string {
  return page('Not found', `<p><a href="/">← Dashboards</a></p><h1>No dashboard "${escapeHtml(id)}"</h1>${problemList(problems)}`);
}

/** The list of dashboards. */
export function indexPage(dashboards: Dashboard[], problems: readonly Problem[] = []): string {
  const rows = dashboards
    .map((d) => `<tr><td><a href="/d/${encodeURIComponent(d.id)}">${escapeHtml(d.title)}</a></td><td><code>${escapeHtml(d.id)}</code></td><td>${d.widgets.length}</td><td class="muted">${escapeHtml(d.description ?? '')}</td></tr>`)
    .join('');
  return page(
    'Dashboards',
    `<h1>Dashboards</h1>${problemList(problems)}<table><tr><th>Title</th><th>Id</th><th>Widgets</th><th>Description</th></tr>${rows}</table>
<p class="muted">API: <a href="/api/dashboards">/api/dashboards</a> · <a href="/api/datasources">/api/datasources</a> · <a href="/metrics">/metrics</a> · stream: <code>/ws</code>, <code>/sse</code>, <code>/api/poll</code></p>`,
  );
}

/** A dashboard page asked for with variable values it does not accept. */
export function badVariablesPage(dashboard: Dashboard, message: string): string {
  return page(
    dashboard.title,
    `<p><a href="/">← Dashboards</a></p><h1>${escapeHtml(dashboard.title)}</h1><div class="problems">${escapeHtml(message)}</div>
<p><a href="/d/${encodeURIComponent(dashboard.id)}">Open it with the default values</a></p>`,
  );
}

/** One dashboard as a live table; the script speaks the documented protocol and nothing else. */
export function dashboardPage(dashboard: Dashboard): string {
  const script = `
const id = ${JSON.stringify(dashboard.id)};
const vars = Object.fromEntries([...new URLSearchParams(location.search)].filter(([k]) => k.startsWith('var-')).map(([k, v]) => [k.slice(4), v]));
const state = new Map();
const UNITS = { percent: '%', ms: ' ms', s: ' s', bytes: ' B' };
const fmt = (v, unit) => {
  if (typeof v !== 'number') return String(v).replace(/[<&]/g, '');
  if (unit && unit.startsWith('currency:')) return new Intl.NumberFormat(undefined, { style: 'currency', currency: unit.slice(9) }).format(v);
  if (unit === 'bytes') return new Intl.NumberFormat(undefined, { notation: 'compact', maximumFractionDigits: 1 }).format(v) + 'B';
  const digits = Number.isInteger(v) ? 0 : Math.abs(v) >= 100 ? 0 : 2;
  return v.toLocaleString(undefined, { maximumFractionDigits: digits }) + (UNITS[unit] ?? '');
};
function lastRow(w, frame) {
  const rows = frame.fields[0]?.values.length ?? 0;
  if (!rows) return '<span class=muted>no data</span>';
  // A table shows its first row (queries list newest first); a series its latest point.
  const n = w.type === 'table' ? 1 : rows;
  const shown = frame.fields.filter((f) => f.type !== 'time' && (!w.y || w.y.includes(f.name) || w.type === 'table' || w.type === 'bar'));
  return shown.map((f) => f.name + ' <b>' + fmt(f.values[n - 1], f.type === 'number' ? w.unit : undefined) + '</b>').join(' · ') + (rows > 1 ? ' <span class=muted>(' + rows + (w.type === 'table' ? ' rows' : ' points') + ')</span>' : '');
}
const age = (t) => t ? Math.max(0, Math.round((Date.now() - t) / 1000)) + ' s ago' : 'never';
function render(def) {
  const rows = def.widgets.filter((w) => w.type !== 'text').map((w) => {
    const s = state.get(w.id);
    const status = s ? s.status : 'pending';
    const value = s && s.frame ? lastRow(w, s.frame) : '';
    const err = s && s.error ? '<div class=error>' + s.error.message.replace(/[<&]/g, '') + '</div>' : '';
    return '<tr><td>' + w.title.replace(/[<&]/g, '') + '</td><td>' + w.type + '</td><td class=' + status + '>' + status + '</td><td>' + age(s && s.lastGoodAt) + '</td><td>' + value + err + '</td></tr>';
  }).join('');
  document.getElementById('widgets').innerHTML = '<tr><th>Widget</th><th>Type</th><th>Status</th><th>Data from</th><th>Latest</th></tr>' + rows;
}
function merge(u) {
  const s = state.get(u.w) ?? {};
  s.seq = u.seq; s.status = u.status; s.error = u.error; s.lastGoodAt = u.lastGoodAt;
  if (u.frame) {
    if (u.op === 'append' && s.frame) {
      const t = u.frame.fields.findIndex((f) => f.type === 'time');
      const last = s.frame.fields[t].values.at(-1);
      u.frame.fields[t].values.forEach((time, i) => {
        if (time === last) s.frame.fields.forEach((f) => f.values.pop());
        s.frame.fields.forEach((f, k) => f.values.push(u.frame.fields[k].values[i]));
      });
    } else s.frame = u.frame;
  }
  state.set(u.w, s);
}
setInterval(() => def && render(def), 1000);
let def;
const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws');
const status = document.getElementById('status');
ws.onopen = () => { status.textContent = 'connected'; ws.send(JSON.stringify({ type: 'subscribe', dashboard: id, vars })); };
ws.onclose = (e) => { status.textContent = 'disconnected (' + e.code + ')'; };
ws.onmessage = (e) => {
  const m = JSON.parse(e.data);
  if (m.type === 'snapshot') { def = m.definition; state.clear(); m.widgets.forEach(merge); }
  else if (m.type === 'update') m.updates.forEach(merge);
  else if (m.type === 'error') status.textContent = m.code + ': ' + m.message;
  if (def) render(def);
};`;
  return page(
    dashboard.title,
    `<p><a href="/">← Dashboards</a> <span id="status" class="muted">connecting…</span></p><h1>${escapeHtml(dashboard.title)}</h1>
<p class="muted">${escapeHtml(dashboard.description ?? '')}</p>${variablePicker(dashboard)}<table id="widgets"></table>
<p class="note muted">This page shows each widget's latest values as they stream in; charts arrive with the &lt;rt-dashboard&gt; web component.</p><script type="module">${script}</script>`,
  );
}

/** A form of select boxes, one per variable; choosing reloads the page with var-NAME in the URL. */
function variablePicker(dashboard: Dashboard): string {
  if (dashboard.variables.length === 0) return '';
  const fields = dashboard.variables
    .map((v) => {
      const name = escapeHtml(v.name);
      const control =
        v.type === 'select'
          ? `<select name="var-${name}" onchange="this.form.submit()">${v.options.map((o) => `<option${o === v.default ? ' selected' : ''}>${escapeHtml(o)}</option>`).join('')}</select>`
          : `<input name="var-${name}" value="${escapeHtml(v.default)}">`;
      return `<label>${escapeHtml(v.label ?? v.name)} ${control}</label>`;
    })
    .join(' ');
  const script = `for (const [k, v] of new URLSearchParams(location.search)) { const el = document.querySelector('[name="' + CSS.escape(k) + '"]'); if (el) el.value = v; }`;
  return `<form method="get">${fields}</form><script>${script}</script>`;
}
