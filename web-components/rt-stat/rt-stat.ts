import RtStat from './rt-stat.component.js';

export default RtStat;
export { RtStat };

customElements.define('rt-stat', RtStat);

declare global {
  interface HTMLElementTagNameMap {
    'rt-stat': RtStat;
  }
}
