import { expect } from 'chai';
import { formatTemplateNumber, renderTemplate, templateNames, unknownTemplateNames } from './templates.js';

const ctx = { value: 93.234567, rule: 'cpu-high', dashboard: 'ops', labels: { host: 'web-1' }, values: { 'avg(15m)': 0.000123456, 'avg(1h offset 1d)': 12 } };

describe('alert templates', () => {
  it('fills in value, rule, dashboard, labels and values, with or without spaces', () => {
    expect(renderTemplate('{{ rule }}@{{dashboard}}: CPU {{ value }}% on {{ labels.host }}', ctx)).to.equal('cpu-high@ops: CPU 93.2346% on web-1');
    expect(renderTemplate('{{ values.avg(15m) }} vs {{ values.avg(1h offset 1d) }}', ctx)).to.equal('0.0001235 vs 12');
  });

  it('renders unknown names, missing labels and missing values as empty, and never evaluates', () => {
    expect(renderTemplate('[{{ nope }}][{{ labels.region }}][{{ values.max(5m) }}][{{ labels.constructor }}][{{ process.exit(1) }}]', ctx)).to.equal('[][][][][]');
    expect(renderTemplate('{{ value }}|{{ dashboard }}', { ...ctx, value: null, dashboard: undefined })).to.equal('|');
  });

  it('leaves text without placeholders, and lone braces, alone', () => {
    expect(renderTemplate('CPU { high } {{ and }', ctx)).to.equal('CPU { high } {{ and }');
  });

  it('formats numbers readably', () => {
    expect([93.234567, 95, -0.5, 0.000123456, 1234567.891, 2 / 3].map(formatTemplateNumber)).to.deep.equal(['93.2346', '95', '-0.5', '0.0001235', '1234567.891', '0.6667']);
  });

  it('lists the names a template uses, and those that can never render', () => {
    const text = '{{ value }} {{valu}} {{ labels.host }} {{ labels.hots }} {{ values.avg(15m) }} {{ value }} {{ labels. }}';
    expect(templateNames(text)).to.deep.equal(['value', 'valu', 'labels.host', 'labels.hots', 'values.avg(15m)', 'labels.']);
    expect(unknownTemplateNames(text)).to.deep.equal(['valu', 'labels.']);
    expect(unknownTemplateNames(text, { labels: ['host'], values: ['avg(15m)'] })).to.deep.equal(['valu', 'labels.hots', 'labels.']);
  });
});
