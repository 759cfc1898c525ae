import RtTable from './rt-table.component.js';
import type { SortChangeDetail } from '../client/types.js';

export default RtTable;
export { RtTable };

customElements.define('rt-table', RtTable);

declare global {
  interface HTMLElementTagNameMap {
    'rt-table': RtTable;
  }
  interface HTMLElementEventMap {
    'rt-sort-change': CustomEvent<SortChangeDetail>;
  }
}
