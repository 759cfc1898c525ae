import { LitElement, html } from 'lit';
import { property, state } from 'lit/decorators.js';
import { bundleServer } from '../client/connection.js';
import styles from './rt-dashboard-list.styles.js';

/** One dashboard as `GET /api/dashboards` lists it. */
export interface DashboardSummary {
  id: string;
  title: string;
  description: string | null;
  widgets: number;
}

/**
 * @summary The dashboards a server offers, as cards linking to each one's page.
 *
 * @csspart base - The list.
 * @csspart card - One dashboard's card (a link).
 * @cssproperty --rt-panel-bg - The cards' background.
 * @cssproperty --rt-accent - The titles, and the border of a card under the pointer.
 */
export default class RtDashboardList extends LitElement {
  static override styles = styles;

  /** The rtdash server; defaults to the server that served the bundle. */
  @property() accessor server: string | undefined = undefined;
  /** Where a card links to; `{id}` is replaced by the dashboard's id. Defaults to the server's own page for it. */
  @property() accessor href: string | undefined = undefined;

  @state() private accessor dashboards: DashboardSummary[] | undefined = undefined;
  @state() private accessor problem: string | undefined = undefined;

  override connectedCallback(): void {
    super.connectedCallback();
    void this.load();
  }

  /** Fetches the list again. */
  async load(): Promise<void> {
    const server = (this.server ?? bundleServer()).replace(/\/+$/, '');
    try {
      const res = await fetch(`${server}/api/dashboards`, { cache: 'no-store' });
      const body = (await res.json()) as DashboardSummary[] | { error?: { message?: string } };
      if (!res.ok || !Array.isArray(body)) throw new Error((body as { error?: { message?: string } }).error?.message ?? `the server answered ${res.status}`);
      this.dashboards = body;
      this.problem = undefined;
    } catch (err) {
      this.problem = `Could not list the dashboards of ${server}: ${err instanceof Error ? err.message : String(err)}`;
    }
  }

  #link(id: string): string {
    const server = (this.server ?? bundleServer()).replace(/\/+$/, '');
    return (this.href ?? `${server}/d/{id}`).replaceAll('{id}', encodeURIComponent(id));
  }

  override render() {
    if (this.problem !== undefined) return html`<p class="message error" role="alert">${this.problem}</p>`;
    if (this.dashboards === undefined) return html`<p class="message">Loading…</p>`;
    if (this.dashboards.length === 0) return html`<p class="message">No dashboards to list: add a YAML file to the dashboards folder (dashboards with access: token are not listed).</p>`;
    return html`<ul part="base">
      ${this.dashboards.map(
        (d) => html`<li>
          <a part="card" href=${this.#link(d.id)}>
            <span class="title">${d.title}</span>
            ${d.description ? html`<span class="description">${d.description}</span>` : ''}
            <span class="meta">${d.id} · ${d.widgets} ${d.widgets === 1 ? 'widget' : 'widgets'}</span>
          </a>
        </li>`,
      )}
    </ul>`;
  }
}
