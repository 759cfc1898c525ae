import { html, nothing, type PropertyValues } from 'lit';
import { property, state } from 'lit/decorators.js';
import { repeat } from 'lit/directives/repeat.js';
import { styleMap } from 'lit/directives/style-map.js';
import { formatValue } from '../client/format.js';
import type { AlertActor, AlertItem } from '../client/types.js';
import { RtWidgetElement, formatAge } from '../client/widget-element.js';
import { alertKey, alertsToShow, severityColor } from './alert-order.js';
import styles from './rt-alerts.styles.js';

const STATE_WORDS: Record<AlertItem['state'], string> = { firing: 'firing', pending: 'pending', error: 'rule failing', nodata: 'no data', resolved: 'resolved' };

/**
 * @summary The alerts that need attention, from the `alerts` property: firing first, then rules that fail or have no
 * data, then pending ones; within each, the most severe and then the newest first. Each shows its severity as a
 * coloured badge (in words too), its rule, summary, labels and how long it has been in its state. A newly firing
 * alert is announced politely to screen readers; "No alerts firing" when there are none.
 *
 * @csspart base - The widget's panel.
 * @csspart header - The row with the title and the status.
 * @csspart heading - The title.
 * @csspart status - The waiting, error or stale line (also `error` or `stale`).
 * @csspart body - Everything below the header.
 * @csspart list - The list of alerts.
 * @csspart alert - One alert.
 * @csspart severity - An alert's severity badge.
 * @csspart empty - The "No alerts firing" line.
 * @csspart acknowledged - Who acknowledged an alert, when and why.
 * @csspart actions - An alert's Acknowledge and Silence buttons (for a signed-in editor or admin).
 * @csspart action-form - The reason (and, to silence, the duration) asked before acting.
 *
 * @fires rt-alert-action - An editor acknowledged or silenced an alert: `{ action: 'acknowledge' | 'silence', id }`.
 *
 * @cssproperty --rt-error - Critical alerts (and `error` severity).
 * @cssproperty --rt-warn - Warnings.
 * @cssproperty --rt-accent - Info alerts.
 * @cssproperty --rt-ok - The "No alerts firing" check mark.
 */
export default class RtAlerts extends RtWidgetElement {
  static override styles = styles;

  /** The alerts, in any order and state (resolved ones are not shown); undefined until the page has told them. */
  @property({ attribute: false }) accessor alerts: AlertItem[] | undefined = undefined;

  /**
   * The signed-in viewer of the server's own page (`<rt-dashboard>` sets it from `GET /api/me`): an editor or an admin
   * gets Acknowledge and Silence buttons on firing alerts. Undefined (embedded elsewhere, signed out): no buttons.
   */
  @property({ attribute: false }) accessor actor: AlertActor | undefined = undefined;

  /** The alert whose action form is open, and which action. */
  @state() private accessor acting: { id: string; action: 'acknowledge' | 'silence'; problem?: string; busy?: boolean } | undefined = undefined;

  /** What the live region says: the alerts that started firing since the last update. */
  @state() private accessor announcement = '';
  #firing: Set<string> | undefined;

  /** The ages move on while alerts are listed, whether or not a stream drives the widget. */
  protected override get ticking(): boolean {
    return super.ticking || (this.alerts?.length ?? 0) > 0;
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (!changed.has('alerts') || this.alerts === undefined) return;
    const firing = this.alerts.filter((a) => a.state === 'firing');
    const known = this.#firing;
    this.#firing = new Set(firing.map(alertKey));
    // The first list is what the reader finds on arriving, and reads as a list; only later changes are news.
    if (known === undefined) return;
    const fresh = firing.filter((a) => !known.has(alertKey(a)));
    if (fresh.length > 0) this.announcement = fresh.map((a) => `Alert firing: ${a.rule}${a.summary ? `: ${a.summary}` : ''}`).join('. ');
  }

  protected override renderStatus() {
    // Alerts come through `alerts`, not the widget's data stream: without a state there is nothing to wait for.
    return this.state === undefined ? nothing : super.renderStatus();
  }

  protected override renderData() {
    const shown = alertsToShow(this.alerts ?? []);
    return html`<div class="visually-hidden" aria-live="polite" aria-atomic="true">${this.announcement}</div>
      ${shown.length === 0
        ? html`<p part="empty" class="empty">
            <svg viewBox="0 0 16 16" aria-hidden="true"><circle cx="8" cy="8" r="7" /><path d="M4.8 8.2 7 10.4l4.2-4.6" /></svg>
            No alerts firing
          </p>`
        : html`<ul part="list" class="list">
            ${repeat(shown, alertKey, (alert) => this.#item(alert))}
          </ul>`}`;
  }

  #item(alert: AlertItem) {
    const labels = Object.entries(alert.labels ?? {});
    const severity = alert.severity ?? 'none';
    const hasValue = alert.value !== undefined && alert.value !== null;
    return html`<li part="alert" class="alert" data-state=${alert.state} style=${styleMap({ '--_sev': severityColor(alert.severity) })}>
      <div class="top">
        <span part="severity" class="severity">${severity}</span>
        <span class="rule">${alert.rule}</span>
        <span class="since"
          ><span class="state">${STATE_WORDS[alert.state]}</span> ·
          <time datetime=${new Date(alert.since).toISOString()}>${formatAge(this.now - alert.since)}</time></span
        >
      </div>
      ${alert.summary ? html`<p class="summary">${alert.summary}</p>` : nothing}
      ${labels.length > 0 || alert.dashboard || hasValue
        ? html`<div class="meta">
            ${alert.dashboard ? html`<span class="chip">${alert.dashboard}</span>` : nothing}
            ${labels.map(([k, v]) => html`<span class="chip">${k}=${v}</span>`)}
            ${hasValue ? html`<span class="value">value ${formatValue(alert.value, undefined, this.locale)}</span>` : nothing}
          </div>`
        : nothing}
      ${alert.acknowledged
        ? html`<p part="acknowledged" class="acked">
            Acknowledged${alert.acknowledgedBy ? html` by <strong>${alert.acknowledgedBy}</strong>` : nothing}${alert.acknowledgedAt !== undefined ? html` ${formatAge(this.now - alert.acknowledgedAt)} ago` : nothing}${alert.acknowledgeReason ? html`: ${alert.acknowledgeReason}` : nothing}
          </p>`
        : nothing}
      ${this.#actions(alert)}
    </li>`;
  }

  /** The buttons (and the open form) of an alert an editor may act on. */
  #actions(alert: AlertItem) {
    const actor = this.actor;
    if (actor === undefined || actor.role === 'viewer' || alert.id === undefined || alert.state === 'resolved' || alert.state === 'pending') return nothing;
    const id = alert.id;
    const open = this.acting?.id === id ? this.acting : undefined;
    if (open === undefined) {
      return html`<div part="actions" class="actions">
        ${alert.acknowledged ? nothing : html`<button type="button" @click=${() => (this.acting = { id, action: 'acknowledge' })}>Acknowledge</button>`}
        ${alert.silenced ? html`<span class="chip">silenced</span>` : html`<button type="button" @click=${() => (this.acting = { id, action: 'silence' })}>Silence…</button>`}
      </div>`;
    }
    const silence = open.action === 'silence';
    return html`<form part="action-form" class="act" @submit=${(e: SubmitEvent) => this.#submit(e, alert)}>
      <label>Reason <input name="reason" maxlength="500" required placeholder=${silence ? 'maintenance window' : 'looking into it'} /></label>
      ${silence
        ? html`<label>For <select name="for"><option value="1">1 hour</option><option value="4">4 hours</option><option value="24">1 day</option><option value="168">1 week</option></select></label>`
        : nothing}
      <button ?disabled=${open.busy === true}>${silence ? 'Silence' : 'Acknowledge'}</button>
      <button type="button" @click=${() => (this.acting = undefined)}>Cancel</button>
      ${open.problem ? html`<span class="problem" role="alert">${open.problem}</span>` : nothing}
    </form>`;
  }

  async #submit(event: SubmitEvent, alert: AlertItem): Promise<void> {
    event.preventDefault();
    const actor = this.actor;
    const open = this.acting;
    if (actor === undefined || open === undefined || alert.id === undefined) return;
    const form = new FormData(event.target as HTMLFormElement);
    const reason = String(form.get('reason') ?? '');
    const silence = open.action === 'silence';
    const hours = Number(form.get('for') ?? 1);
    const body = silence
      ? { matchers: { rule: alert.rule, ...(alert.dashboard !== undefined && { dashboard: alert.dashboard }), ...alert.labels }, ends_at: new Date(Date.now() + hours * 3_600_000).toISOString(), comment: reason }
      : { reason };
    const url = `${actor.server}${silence ? '/api/silences' : `/api/alerts/${encodeURIComponent(alert.id)}/ack`}`;
    this.acting = { ...open, busy: true };
    try {
      const res = await fetch(url, { method: 'POST', credentials: 'same-origin', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': actor.csrf }, body: JSON.stringify(body) });
      if (!res.ok) {
        const said = ((await res.json().catch(() => ({}))) as { error?: { message?: string } }).error?.message;
        this.acting = { ...open, busy: false, problem: said ?? `the server answered ${res.status}` };
        return;
      }
      this.acting = undefined;
      this.dispatchEvent(new CustomEvent('rt-alert-action', { detail: { action: open.action, id: alert.id }, bubbles: true, composed: true }));
    } catch (err) {
      this.acting = { ...open, busy: false, problem: `cannot reach the server: ${(err as Error).message}` };
    }
  }
}
