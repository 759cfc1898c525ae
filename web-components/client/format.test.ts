import { expect } from 'chai';
import { formatChange, formatDateTime, formatRatio, formatTick, formatTime, formatValue, thresholdColor, uses12HourClock } from './format.js';
import { lastNumber, lastNumberIndex, valueFields, xField } from './frame.js';
import type { Frame, WidgetDefinition } from './types.js';

/** Intl puts no-break spaces (U+00A0, U+202F) between a number and its unit; the tests read them as spaces. */
const show = (value: number | null, unit?: string, locale = 'en-US') => formatValue(value, unit, locale).replace(/\s/g, ' ');

describe('formatValue', () => {
  it('reads an absent value as a dash, whatever the unit', () => {
    for (const unit of [undefined, 'count', 'percent', 'bytes', 'ms', 'currency:EUR', 'req/s']) {
      expect(formatValue(null, unit)).to.equal('–');
      expect(formatValue(Number.NaN, unit)).to.equal('–');
    }
  });

  it('groups counts and goes compact past a hundred thousand', () => {
    expect(show(1234, 'count')).to.equal('1,234');
    expect(show(12.5, 'count')).to.equal('12.5');
    expect(show(0.537)).to.equal('0.54');
    expect(show(99_999, 'count')).to.equal('99,999');
    expect(show(123_456, 'count')).to.equal('123K');
    expect(show(1_234_567, 'count', 'de-DE')).to.equal('1,23 Mio.');
  });

  it('reads percent values as percent points, as the locale writes them', () => {
    expect(show(2.8, 'percent')).to.equal('2.8%');
    expect(show(2.8, 'percent', 'de-DE')).to.equal('2,8 %');
    expect(show(0.35, 'percent')).to.equal('0.35%');
    expect(show(100, 'percent')).to.equal('100%');
  });

  it('formats money in any ISO currency, exact below a million', () => {
    expect(show(15.2, 'currency:EUR')).to.equal('€15.20');
    expect(show(1580, 'currency:EUR')).to.equal('€1,580');
    expect(show(1580, 'currency:eur', 'de-DE')).to.equal('1.580 €');
    expect(show(1_234_567, 'currency:USD')).to.equal('$1.23M');
    expect(show(12, 'currency:EURO')).to.equal('12 EURO');
  });

  it('formats bytes in 1024 steps with IEC units', () => {
    expect(show(512, 'bytes')).to.equal('512 B');
    expect(show(1536, 'bytes')).to.equal('1.5 KiB');
    expect(show(123_456_789, 'bytes')).to.equal('118 MiB');
    expect(show(5 * 1024 ** 3, 'bytes')).to.equal('5 GiB');
  });

  it('reads durations in the largest unit that fits', () => {
    expect(show(850, 'ms')).to.equal('850 ms');
    expect(show(12.4, 'ms')).to.equal('12.4 ms');
    expect(show(1200, 'ms')).to.equal('1.2 s');
    expect(show(180_000, 'ms')).to.equal('3 min');
    expect(show(1.2, 's')).to.equal('1.2 s');
    expect(show(9000, 's')).to.equal('2.5 h');
    expect(show(3 * 86_400, 's')).to.equal('3 d');
    expect(show(1.5, 's', 'de-DE')).to.equal('1,5 s');
  });

  it('shows any other unit after the number', () => {
    expect(show(12.5, 'req/s')).to.equal('12.5 req/s');
    expect(show(1234.5, 'req/s')).to.equal('1,235 req/s');
  });
});

describe('formatChange, formatRatio, times', () => {
  it('signs a change in the unit of the value', () => {
    expect(formatChange(45, 'currency:EUR', 'en-US')).to.equal('+€45.00');
    expect(formatChange(-1200, 'ms', 'en-US').replace(/\s/g, ' ')).to.equal('−1.2 s');
    expect(formatChange(0, 'count', 'en-US')).to.equal('±0');
    expect(formatRatio(0.0291, 'en-US')).to.equal('+2.9%');
    expect(formatRatio(-0.5, 'en-US')).to.equal('−50%');
    expect(formatTick(0, 'currency:EUR', 'en-US')).to.equal('€0');
    expect(formatTick(15.5, 'currency:EUR', 'en-US')).to.equal('€15.50');
    expect(formatTick(100, 'percent', 'en-US')).to.equal('100%');
  });

  it('writes times in the reader’s time zone', () => {
    const t = Date.UTC(2025, 10, 28, 14, 5, 9);
    expect(formatTime(t, 'en-GB')).to.equal(new Date(t).toLocaleTimeString('en-GB'));
    expect(formatDateTime(t, 'en-GB')).to.match(/^28\/11\/2025, \d\d:05:09$/);
    expect(uses12HourClock('en-US')).to.equal(true);
    expect(uses12HourClock('de-DE')).to.equal(false);
  });
});

describe('thresholdColor', () => {
  const thresholds = [
    { value: 0, color: 'green' },
    { value: 1, color: 'orange' },
    { value: 2.5, color: '#7a00ff' },
  ];
  it('takes the last threshold at or below the value', () => {
    expect(thresholdColor(thresholds, 0.5)).to.equal('var(--_ok)');
    expect(thresholdColor(thresholds, 1)).to.equal('var(--_warn)');
    expect(thresholdColor(thresholds, 9)).to.equal('#7a00ff');
  });
  it('has none below them all, without thresholds, or without a value', () => {
    expect(thresholdColor(thresholds, -1)).to.equal(undefined);
    expect(thresholdColor(undefined, 5)).to.equal(undefined);
    expect(thresholdColor(thresholds, null)).to.equal(undefined);
  });
});

describe('frame helpers', () => {
  const frame: Frame = {
    fields: [
      { name: 'region', type: 'string', values: ['eu', 'us', 'apac'] },
      { name: 'time', type: 'time', values: [1000, 2000, 3000] },
      { name: 'p50', type: 'number', values: [10, 12, null] },
      { name: 'p95', type: 'number', values: [30, null, 33] },
    ],
  };
  const definition = (extra: Partial<WidgetDefinition>): WidgetDefinition => ({ id: 'w', title: 'W', type: 'line', size: { w: 4, h: 4 }, ...extra });

  it('finds x by name, else the first time column', () => {
    expect(xField(definition({ x: 'region' }), frame)?.name).to.equal('region');
    expect(xField(definition({}), frame)?.name).to.equal('time');
  });
  it('takes the y columns in their order, else every number column', () => {
    expect(valueFields(definition({ y: ['p95', 'missing', 'p50'] }), frame).map((f) => f.name)).to.deep.equal(['p95', 'p50']);
    expect(valueFields(definition({}), frame).map((f) => f.name)).to.deep.equal(['p50', 'p95']);
  });
  it('finds the last number, skipping nulls', () => {
    expect(lastNumber(frame.fields[2])).to.equal(12);
    expect(lastNumberIndex(frame.fields[3], 1)).to.equal(0);
    expect(lastNumber(undefined)).to.equal(null);
  });
});
