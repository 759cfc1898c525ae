import { expect } from 'chai';
import { absoluteMs, describeRange, durationMs, isRelative, pickerChoices, relativeLabel, sameRange, zoomEnd, zoomRange } from './time-range.js';
import type { TimeDefinition } from './types.js';

const TIME: TimeDefinition = { default: { from: 'now-1h', to: 'now' }, choices: ['5m', '1h', '6h', '7d'], max: '30d', maxPoints: 600 };

describe('time ranges in the viewer', () => {
  it('names a relative range ending now in words, and no other', () => {
    expect(relativeLabel({ from: 'now-6h', to: 'now' })).to.equal('Last 6 hours');
    expect(relativeLabel({ from: 'now-1d', to: 'now' })).to.equal('Last day');
    expect(relativeLabel({ from: 'now-15m', to: 'now' })).to.equal('Last 15 minutes');
    expect(relativeLabel({ from: 'now-2w', to: 'now' })).to.equal('Last 2 weeks');
    expect(relativeLabel({ from: 'now-6h', to: 'now-1h' })).to.equal(undefined);
    expect(relativeLabel({ from: 'now-1x', to: 'now' })).to.equal(undefined);
  });

  it('reads epoch ms and ISO-8601 ends as times, and now-based ends as relative', () => {
    expect(absoluteMs('1800000000000')).to.equal(1_800_000_000_000);
    expect(absoluteMs('2026-12-01T10:00:00Z')).to.equal(Date.UTC(2026, 11, 1, 10));
    expect(absoluteMs('now-1h')).to.equal(undefined);
    expect(absoluteMs('soon')).to.equal(undefined);
    expect(isRelative('now')).to.equal(true);
    expect(isRelative('1800000000000')).to.equal(false);
  });

  it('describes an absolute range by its two times on the reader clock', () => {
    const text = describeRange({ from: String(Date.UTC(2026, 11, 1, 10)), to: String(Date.UTC(2026, 11, 1, 11, 30)) }, undefined, 'en-GB');
    expect(text).to.match(/1 Dec 2026/);
    expect(text).to.match(/–/);
    expect(describeRange({ from: 'now-6h', to: 'now' })).to.equal('Last 6 hours');
  });

  it('lists the choices, with the range in force first when it is none of them', () => {
    expect(pickerChoices(TIME, { from: 'now-1h', to: 'now' }).map((c) => c.label)).to.deep.equal(['Last 5 minutes', 'Last hour', 'Last 6 hours', 'Last 7 days']);
    const zoomed = pickerChoices(TIME, { from: '1800000000000', to: '1800000600000' }, undefined, 'en-GB');
    expect(zoomed).to.have.length(5);
    expect(zoomed[0]!.range).to.deep.equal({ from: '1800000000000', to: '1800000600000' });
    expect(pickerChoices(TIME, { from: 'now-2h', to: 'now' })[0]!.label).to.equal('Last 2 hours');
    // The same span written otherwise is the choice itself (selected by the range in force), not a second entry.
    const sameHour = pickerChoices(TIME, { from: 'now-60m', to: 'now' });
    expect(sameHour.map((c) => c.label)).to.deep.equal(['Last 5 minutes', 'Last hour', 'Last 6 hours', 'Last 7 days']);
    expect(sameHour[1]!.range).to.deep.equal({ from: 'now-60m', to: 'now' });
  });

  it('compares ranges by their expressions and rounds zoomed ends to whole seconds', () => {
    expect(sameRange({ from: 'now-1h', to: 'now' }, { from: 'now-1h', to: 'now' })).to.equal(true);
    expect(sameRange({ from: 'now-1h', to: 'now' }, undefined)).to.equal(false);
    expect(zoomEnd(1_800_000_000_999, 'down')).to.equal('1800000000000');
    expect(zoomEnd(1_800_000_000_001, 'up')).to.equal('1800000001000');
  });

  it('never zooms to a range longer than the max (the dashboard\'s, or what the embed token allows)', () => {
    expect(durationMs('24h')).to.equal(86_400_000);
    expect(durationMs('1d12h')).to.equal(129_600_000);
    expect(durationMs('soon')).to.equal(undefined);
    expect(zoomRange(1_000_500, 9_000_500)).to.deep.equal({ from: '1000000', to: '9000000' });
    expect(zoomRange(1_000_500, 9_000_500, 5000)).to.deep.equal({ from: '8995000', to: '9000000' });
    // A drag over the whole of a range exactly as long as the max, rounded down at both ends, still fits.
    expect(zoomRange(1_000_999, 1_006_999, 6000)).to.deep.equal({ from: '1000000', to: '1006000' });
  });
});
