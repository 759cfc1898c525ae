/**
 * The benchmark's data source: answers every query at once with one `{time, value}` row, so the
 * benchmark measures fan-out to viewers, not the source.
 */
import { definePlugin, type Frame } from '../core/plugin.js';

/** A bench widget's query: which series it draws (only to tell widgets apart). */
export interface BenchQuery {
  series: string;
}

/** The `bench` plugin definition. */
export const benchPlugin = definePlugin<Record<string, never>, BenchQuery>({
  type: 'bench',
  description: 'One cheap row per query, for the fan-out benchmark',
  optionsSchema: { type: 'object', additionalProperties: false, properties: {} },
  querySchema: { type: 'object', required: ['series'], additionalProperties: false, properties: { series: { type: 'string' } } },
  create() {
    let n = 0;
    return {
      query(_query, ctx): Promise<Frame> {
        n++;
        return Promise.resolve({
          fields: [
            { name: 'time', type: 'time', values: [ctx.range.to] },
            { name: 'value', type: 'number', values: [n] },
          ],
        });
      },
      async health() {
        return { status: 'ok' };
      },
    };
  },
});
