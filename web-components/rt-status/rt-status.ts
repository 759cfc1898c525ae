import RtStatus from './rt-status.component.js';

export default RtStatus;
export { RtStatus };

customElements.define('rt-status', RtStatus);

declare global {
  interface HTMLElementTagNameMap {
    'rt-status': RtStatus;
  }
}
