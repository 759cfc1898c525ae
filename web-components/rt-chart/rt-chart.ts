import RtChart from './rt-chart.component.js';

export default RtChart;
export { RtChart };

customElements.define('rt-chart', RtChart);

declare global {
  interface HTMLElementTagNameMap {
    'rt-chart': RtChart;
  }
}
