import { expect } from 'chai';
import { parseDashboard, type DashboardContext } from './dashboard-config.js';
import { expectOneProblemIn, problemsFrom } from './testing.js';

const ctx: DashboardContext = { sources: (name) => (name === 'db' ? { type: 'unchecked' } : undefined), sourceNames: () => ['db'] };
const parse = (text: string) => parseDashboard(text, 'ops.yaml', ctx);
const problemsOf = (text: string): string[] => problemsFrom(() => parse(text));

const CHART = `widgets:
  - id: orders
    type: line
    source: db
    query: SELECT t, v FROM o WHERE t >= :from AND t < :to
`;

describe('dashboard time:', () => {
  it('loads the defaults, and a dashboard without time: has none', () => {
    const d = parse(`id: ops\ntitle: Ops\ntime: {}\n${CHART}`);
    expect(d.time).to.deep.equal({ default: { from: 'now-1h', to: 'now' }, choices: ['5m', '15m', '1h', '6h', '24h', '7d'], max: '30d', maxMs: 30 * 86_400_000, maxPoints: 600 });
    expect(d.widgets[0]).to.include({ usesRange: true });
    expect(d.widgets[0]!.variables).to.deep.equal([]);
    expect(parse('id: ops\ntitle: Ops\n').time).to.equal(undefined);
  });

  it('reads a duration default, a from/to default, choices, max and max_points', () => {
    const d = parse(`id: ops\ntitle: Ops\ntime:\n  default: 6h\n  choices: [1h, 6h]\n  max: 7d\n  max_points: 300\n${CHART}`);
    expect(d.time).to.deep.equal({ default: { from: 'now-6h', to: 'now' }, choices: ['1h', '6h'], max: '7d', maxMs: 7 * 86_400_000, maxPoints: 300 });
    const e = parse(`id: ops\ntitle: Ops\ntime:\n  default: { from: now-2d, to: now-1d }\n${CHART}`);
    expect(e.time!.default).to.deep.equal({ from: 'now-2d', to: 'now-1d' });
  });

  it('refuses a variable named from, to or bucket, with the reason', () => {
    expectOneProblemIn(
      problemsOf(`id: ops\ntitle: Ops\nvariables:\n  from: { type: text, pattern: '.*', default: x }\n`),
      'ops.yaml:4:3',
      'variable "from" is not allowed: :from, :to and :bucket are the time range\'s parameters',
    );
    expectOneProblemIn(problemsOf(`id: ops\ntitle: Ops\ntime: {}\nvariables:\n  bucket: { type: select, options: [a] }\n`), 'ops.yaml:5:3', 'variable "bucket" is not allowed');
  });

  it('says :from needs a time: block on a dashboard without one', () => {
    const problems = problemsOf(`id: ops\ntitle: Ops\n${CHART}`);
    expect(problems).to.have.length(2);
    expect(problems[0]).to.match(/^ops\.yaml:7:42: .*uses :from.*add a "time:" block to the dashboard/);
    expect(problems[1]).to.match(/^ops\.yaml:7:56: .*uses :to/);
  });

  it('points at bad time settings', () => {
    expectOneProblemIn(problemsOf('id: ops\ntitle: Ops\ntime:\n  max: 1d\n  choices: [1h, 7d]\n'), 'ops.yaml:5:17', 'choice "7d" is longer than time.max (1d)');
    expectOneProblemIn(problemsOf('id: ops\ntitle: Ops\ntime:\n  max: 1d\n  default: 2d\n'), 'ops.yaml:5:12', 'the default range (now-2d to now) is longer than time.max (1d)');
    // Left out, the choices are the defaults that fit under max.
    expect(parse('id: ops\ntitle: Ops\ntime:\n  max: 6h\n').time!.choices).to.deep.equal(['5m', '15m', '1h', '6h']);
    expectOneProblemIn(problemsOf('id: ops\ntitle: Ops\ntime:\n  default: { from: now-1x }\n'), 'ops.yaml:4:12', 'the default range is invalid', 'unknown unit "x"');
    expectOneProblemIn(problemsOf('id: ops\ntitle: Ops\ntime:\n  default: { from: now, to: now-1h }\n'), 'ops.yaml:4:12', 'starts at or after its end');
    expect(problemsOf('id: ops\ntitle: Ops\ntime:\n  max_points: 5\n').join('\n')).to.match(/ops\.yaml:4:15: .*max_points/);
    expectOneProblemIn(problemsOf('id: ops\ntitle: Ops\ntime:\n  max: 30d\n  max_points: 20\n'), 'ops.yaml:4:8', 'would have more than max_points (20) points even at the largest bucket (1d)');
    expect(problemsOf('id: ops\ntitle: Ops\ntime:\n  every: 1h\n').join('\n')).to.match(/ops\.yaml:4:3: .*every/);
  });
});
