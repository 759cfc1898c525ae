import { LitElement, html } from 'lit';
import { property, state } from 'lit/decorators.js';
import { bundleServer, connectionFor, type ConnectionStatus, type RtConnection } from '../client/connection.js';
import styles from './rt-status.styles.js';

const VIA: Record<ConnectionStatus['transport'], string> = { websocket: '', sse: ' (server-sent events)', poll: ' (polling)' };

/** The words for a connection status, as `<rt-status>` shows them; `fixedRange`: the dashboard shows a fixed time range, which does not move. */
export function describeStatus(status: ConnectionStatus, now = Date.now(), fixedRange = false): string {
  switch (status.state) {
    case 'open':
      return fixedRange ? `Connected${VIA[status.transport]}, fixed range` : `Live${VIA[status.transport]}`;
    case 'connecting':
      return 'Connecting…';
    case 'reconnecting': {
      if (status.retryAt === undefined || status.retryAt <= now) return 'Reconnecting…';
      const seconds = Math.ceil((status.retryAt - now) / 1000);
      return status.busy ? `Server busy, retrying in ${seconds} s` : `Reconnecting in ${seconds} s`;
    }
    case 'refused':
      return `Refused: ${status.message ?? 'the server refused this page'}`;
  }
}

/**
 * @summary The state of the page's connection to an rtdash server: live (and over which transport),
 * connecting, reconnecting (with the time to the next attempt, and whether the server said it was busy), or
 * refused and why.
 *
 * Alone, it watches the connection of its `server` (and `token`); inside `<rt-dashboard>` it is given the
 * dashboard's connection.
 *
 * @csspart base - The wrapper.
 * @csspart indicator - The coloured dot.
 * @csspart label - The words.
 * @cssproperty --rt-ok - The dot when live.
 * @cssproperty --rt-warn - The dot while (re)connecting.
 * @cssproperty --rt-error - The dot and words when refused.
 * @cssproperty --rt-muted - The words.
 */
export default class RtStatus extends LitElement {
  static override styles = styles;

  /** The server whose connection to show; defaults to the server that served the bundle. */
  @property() accessor server: string | undefined = undefined;
  /** The embed token of the connection to show (a page has one connection per server and token). */
  @property() accessor token: string | undefined = undefined;
  /** Set by `<rt-dashboard>` while it shows a fixed (absolute) time range: connected, but the data does not move, so not "Live". */
  @property({ type: Boolean, attribute: 'fixed-range' }) accessor fixedRange = false;
  /** The connection to show; set by `<rt-dashboard>`, or found from `server` and `token`. */
  @property({ attribute: false }) accessor connection: RtConnection | undefined = undefined;

  @state() private accessor status: ConnectionStatus | undefined = undefined;
  @state() private accessor now = Date.now();
  #listening: RtConnection | undefined;
  #tick: ReturnType<typeof setTimeout> | undefined;
  readonly #onStatus = (event: Event): void => {
    this.#show((event as CustomEvent<ConnectionStatus>).detail);
  };

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#listen(undefined);
  }

  /**
   * Shows a status, read against the clock of now (not of the last tick: a countdown would start too high), and
   * while it counts down to the next attempt, wakes as each whole second passes, so every number stays a second.
   */
  #show(status: ConnectionStatus | undefined): void {
    clearTimeout(this.#tick);
    this.status = status;
    this.now = Date.now();
    const left = status?.state === 'reconnecting' && status.retryAt !== undefined ? status.retryAt - this.now : 0;
    if (left > 0) this.#tick = setTimeout(() => this.#show(status), (left % 1000 || 1000) + 1);
  }

  protected override willUpdate(): void {
    const connection = this.connection ?? connectionFor(this.server ?? bundleServer(), this.token);
    if (connection !== this.#listening) this.#listen(connection);
  }

  #listen(connection: RtConnection | undefined): void {
    this.#listening?.removeEventListener('status', this.#onStatus);
    this.#listening = connection;
    connection?.addEventListener('status', this.#onStatus);
    this.#show(connection?.status);
  }

  override render() {
    const status = this.status;
    if (status === undefined) return html``;
    const words = describeStatus(status, this.now, this.fixedRange);
    return html`<span part="base" class=${status.state} role="status" aria-live="polite" title=${status.state === 'open' ? `connected over ${status.transport}` : words}
      ><span part="indicator"></span><span part="label">${words}</span></span
    >`;
  }
}
