/**
 * The shared protocol fixtures (test/fixtures/protocol/*.json, also checked against the server by
 * test/protocol-fixtures.test.ts, which also plays the source runs between them): each sequence of server
 * messages, applied to DashboardState, gives the state the fixture expects.
 */
import { expect } from 'chai';
import { readFileSync, readdirSync } from 'node:fs';
import { DashboardState } from './dashboard-state.js';
import { isMessage, type ServerMessage } from './protocol.js';

/** A fixture: source runs and server messages in order, and the state they leave; `then` goes on from there. */
interface Fixture {
  description: string;
  steps: Step[];
  state: ExpectedState;
  then?: { steps: Step[]; state: ExpectedState };
}
type Step = { run: unknown } | { message: ServerMessage };
type ExpectedState = { version: string; vars: Record<string, string>; range?: unknown; alerts: unknown[]; widgets: Record<string, unknown> };

const dir = new URL('../../../test/fixtures/protocol/', import.meta.url);

function apply(state: DashboardState, steps: Step[]): void {
  for (const step of steps) {
    if (!('message' in step)) continue; // the source's runs are the server's business
    const msg = step.message;
    if (isMessage(msg, 'snapshot')) state.applySnapshot(msg);
    else if (isMessage(msg, 'update')) state.applyUpdate(msg);
    else if (isMessage(msg, 'alerts')) state.applyAlerts(msg);
  }
}

function stateOf(state: DashboardState): ExpectedState {
  return {
    version: state.version!,
    vars: state.vars,
    ...(state.range !== undefined && { range: state.range }),
    alerts: state.alerts,
    widgets: Object.fromEntries(state.widgets),
  };
}

describe('the shared protocol fixtures in the client', () => {
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  it('has fixtures to run', () => expect(files.length).to.be.greaterThan(3));
  for (const file of files) {
    const fixture = JSON.parse(readFileSync(new URL(file, dir), 'utf8')) as Fixture;
    it(`${file}: ${fixture.description}`, () => {
      const state = new DashboardState();
      apply(state, fixture.steps);
      expect(stateOf(state)).to.deep.equal(fixture.state);
      if (fixture.then !== undefined) {
        apply(state, fixture.then.steps);
        expect(stateOf(state), 'then').to.deep.equal(fixture.then.state);
      }
    });
  }
});
