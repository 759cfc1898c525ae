import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mergeModeFor } from './widget-history.js';
import { WIDGET_TYPES, chartKind, widgetTraits } from './widget-types.js';

const schemaFile = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'core', 'schemas', 'dashboard.schema.json');

describe('widget types', () => {
  it('lists the types the dashboard schema accepts, and those with data are the ones it gives a source', () => {
    const text = readFileSync(schemaFile, 'utf8');
    // The first list is every type; the second, the types the schema asks a source and a query of.
    const [all, withSource] = [...text.matchAll(/"enum":\s*\[([^\]]*"gauge"[^\]]*)\]/g)].map((m) => JSON.parse(`[${m[1]}]`) as string[]);
    expect(all).to.deep.equal(WIDGET_TYPES);
    expect(withSource).to.deep.equal(WIDGET_TYPES.filter((t) => widgetTraits(t).data));
  });

  it('replaces tables whole and appends the others, and only text and alerts have no data', () => {
    expect(mergeModeFor('table')).to.equal('replace');
    for (const type of ['line', 'area', 'bar', 'stat', 'gauge']) expect(mergeModeFor(type), type).to.equal('append');
    expect(WIDGET_TYPES.filter((t) => !widgetTraits(t).data)).to.deep.equal(['alerts', 'text']);
  });

  it('names the chart of chart types only', () => {
    expect(WIDGET_TYPES.map((t) => chartKind(t))).to.deep.equal(['line', 'area', 'bar', undefined, undefined, undefined, undefined, undefined]);
    expect(chartKind('sparkline'), 'a type from a newer server').to.equal(undefined);
    expect(chartKind(undefined)).to.equal(undefined);
  });
});
