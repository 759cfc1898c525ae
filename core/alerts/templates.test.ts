import { expect } from 'chai';
import { formatTemplateNumber, renderTemplate, templateNames, templateProblems } from './templates.js';

const ctx = { value: 93.234567, rule: 'cpu-high', dashboard: 'ops', labels: { host: 'web-1' }, values: { 'avg(15m)': 0.000123456, 'avg(1h offset 1d)': 12 } };

describe('alert templates', () => {
  it('fills in value, rule, dashboard, labels and values, with or without spaces', () => {
    expect(renderTemplate('{{ rule }}@{{dashboard}}: CPU {{ value }}% on {{ labels.host }}', ctx)).to.equal('cpu-high@ops: CPU 93.2346% on web-1');
    expect(renderTemplate('{{ values.avg(15m) }} vs {{ values.avg(1h offset 1d) }}', ctx)).to.equal('0.0001235 vs 12');
  });

  it('renders missing labels and values as empty, and never evaluates (unknown names are refused at load)', () => {
    expect(renderTemplate('[{{ nope }}][{{ labels.region }}][{{ values.max(5m) }}][{{ labels.constructor }}][{{ process.exit(1) }}]', ctx)).to.equal('[][][][][]');
    expect(renderTemplate('{{ value }}|{{ dashboard }}', { ...ctx, value: null, dashboard: undefined })).to.equal('|');
  });

  it('leaves text without placeholders, and lone braces, alone', () => {
    expect(renderTemplate('CPU { high } {{ and }', ctx)).to.equal('CPU { high } {{ and }');
  });

  it('formats numbers readably', () => {
    expect([93.234567, 95, -0.5, 0.000123456, 1234567.891, 2 / 3].map(formatTemplateNumber)).to.deep.equal(['93.2346', '95', '-0.5', '0.0001235', '1234567.891', '0.6667']);
  });

  it('lists the names a template uses, in rtdash\'s spelling', () => {
    expect(templateNames('{{ value }} {{ $value | humanize }} on {{labels.host}} {{ $labels.host }}')).to.deep.equal(['value', 'labels.host']);
  });

  it('takes Prometheus\' names and functions, before the name or piped after it', () => {
    const c = { value: 1234567, rule: 'r', labels: { instance: 'db-1:9100' }, values: { 'avg(5m)': 0.1234 } };
    expect(renderTemplate('{{ $value }} {{ humanize $value }} {{ $value | humanize }} on {{ $labels.instance }} {{ .Labels.instance }}', c)).to.equal('1234567 1.235M 1.235M on db-1:9100 db-1:9100');
    expect(renderTemplate('{{ humanizePercentage values.avg(5m) }}', c)).to.equal('12.34%');
    expect(renderTemplate('{{ humanize $value }}', { ...c, value: 0.0012 })).to.equal('1.2m');
    expect(renderTemplate('{{ humanize $value }}', { ...c, value: 0 })).to.equal('0');
    for (const [seconds, text] of [[90061, '1d 1h 1m 1s'], [3725, '1h 2m 5s'], [61, '1m 1s'], [1.5, '1.5s'], [0.0123, '12.3ms'], [0, '0s']] as const) {
      expect(renderTemplate('{{ humanizeDuration $value }}', { ...c, value: seconds }), String(seconds)).to.equal(text);
    }
    expect(renderTemplate('{{ humanize $value }}', { ...c, value: null }), 'no value yet').to.equal('');
  });

  it('says what is wrong with each placeholder that could never render what was meant', () => {
    const problems = templateProblems('{{ $valeu }} {{ valu }} {{ humanise $value }} {{ $value | humanise }} {{ humanize $labels.host }} {{ labels.hots }} {{ values.max(5m) }} {{ $externalURL }}', {
      labels: ['host'],
      values: ['avg(15m)'],
    });
    expect(problems).to.deep.equal([
      '"{{ $valeu }}": unknown name "$valeu"; did you mean "$value"? (names: value, rule, dashboard, labels.NAME, values.CALL, or $value, $labels.NAME; functions: humanize, humanizePercentage, humanizeDuration)',
      '"{{ valu }}": unknown name "valu"; did you mean "value"? (names: value, rule, dashboard, labels.NAME, values.CALL, or $value, $labels.NAME; functions: humanize, humanizePercentage, humanizeDuration)',
      '"{{ humanise $value }}": unknown name "humanise $value" (names: value, rule, dashboard, labels.NAME, values.CALL, or $value, $labels.NAME; functions: humanize, humanizePercentage, humanizeDuration)',
      '"{{ $value | humanise }}": unknown function "humanise"; did you mean "humanize"? (names: value, rule, dashboard, labels.NAME, values.CALL, or $value, $labels.NAME; functions: humanize, humanizePercentage, humanizeDuration)',
      '"{{ humanize $labels.host }}": humanize takes a number ($value or values.CALL), and labels.host is text',
      '"{{ labels.hots }}": the rule has no label "hots"; did you mean "host"? (it has: host)',
      '"{{ values.max(5m) }}": the rule has no value "max(5m)" (it has: avg(15m))',
      '"{{ $externalURL }}": unknown name "$externalURL" (names: value, rule, dashboard, labels.NAME, values.CALL, or $value, $labels.NAME; functions: humanize, humanizePercentage, humanizeDuration)',
    ]);
    expect(templateProblems('{{ rule }}: {{ $value | humanizePercentage }} on {{ $labels.host }}', { labels: ['host'] })).to.deep.equal([]);
    expect(templateProblems('at {{ $value | humanize } on {{ rule }}')).to.deep.equal(['"{{ $value | humanize } on ": a "{{" without its "}}"; write {{ name }}']);
    expect(templateProblems('{{ $value | printf "%.1f" }}')[0]).to.include('unknown function "printf "%.1f""; functions take no arguments here');
  });
});
