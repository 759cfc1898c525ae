/** Assertions shared by the config loaders' tests: what problems a text yields, and where. */
import { expect } from 'chai';
import { ConfigError, formatProblem } from './problem.js';

/** The problems `load` throws, formatted as file:line:col: message; [] when it loads. */
export function problemsFrom(load: () => unknown): string[] {
  try {
    load();
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map(formatProblem);
    throw err;
  }
  return [];
}

/** Asserts exactly one problem, at `where` (file:line:col), whose message contains every fragment. */
export function expectOneProblemIn(problems: string[], where: string, ...fragments: string[]): void {
  expect(problems, problems.join('\n')).to.have.length(1);
  const [problem] = problems as [string];
  expect(problem.startsWith(`${where}: `), problem).to.equal(true);
  for (const fragment of fragments) expect(problem).to.include(fragment);
}
