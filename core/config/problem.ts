/**
 * A problem found in a config or dashboard file, always with the place it was written, and the error that carries them.
 */
import { RtdashError } from '../errors.js';

/** One thing wrong with a file, at a 1-based line and column. */
export interface Problem {
  file: string;
  line: number;
  col: number;
  message: string;
}

/**
 * Formats a problem the way editors and CI logs link it.
 * @example formatProblem({ file: 'shop.yaml', line: 3, col: 5, message: 'missing required key "id"' }) // 'shop.yaml:3:5: missing required key "id"'
 */
export function formatProblem(p: Problem): string {
  return `${p.file}:${p.line}:${p.col}: ${p.message}`;
}

/** Orders problems by file, line and column, and drops exact repeats, so output reads top to bottom. */
export function tidyProblems(problems: readonly Problem[]): Problem[] {
  const seen = new Set<string>();
  const unique: Problem[] = [];
  for (const p of problems) {
    const key = formatProblem(p);
    if (seen.has(key)) continue;
    seen.add(key);
    unique.push(p);
  }
  // Array.prototype.sort is stable, so problems at one place keep the order they were found in.
  return unique.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.col - b.col));
}

/** A config or dashboard file is invalid; `problems` holds every reason, each with file:line:col. */
export class ConfigError extends RtdashError {
  readonly problems: Problem[];

  constructor(problems: readonly Problem[], options: { cause?: unknown } = {}) {
    const tidy = tidyProblems(problems);
    super('RTDASH_CONFIG_INVALID', tidy.map(formatProblem).join('\n'), { cause: options.cause, details: { problems: tidy } });
    this.name = 'ConfigError';
    this.problems = tidy;
  }
}

/** Throws a ConfigError when there is at least one problem. */
export function throwIfProblems(problems: readonly Problem[]): void {
  if (problems.length > 0) throw new ConfigError(problems);
}
