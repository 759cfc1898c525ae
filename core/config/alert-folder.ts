/**
 * The alerts folder (`alerts.dir`) as a running server holds it: read again on every reload, against the
 * dashboards loaded then. Like a dashboard, a file that breaks keeps its last good version, and its problems
 * are logged with file:line:col once, when they appear.
 */
import { basename, join, relative } from 'node:path';
import type { AlertRule } from '../alerts/rule.js';
import type { Dashboard } from '../model.js';
import type { Logger } from '../plugin.js';
import { loadAlertFiles } from './alert-files.js';
import { watchFolder } from './folder-watch.js';
import { formatProblem, type Problem } from './problem.js';
import type { DashboardContext } from './widget.js';

/** What one load of the alerts folder did. */
export interface AlertFolderLoad {
  rules: AlertRule[];
  /** Files whose rules now come from another text, or that appeared or went: `alerts/cpu.yaml` (the folder's name, then the file's). */
  changed: string[];
  problems: Problem[];
}

/** The files of the alerts folder, their last good versions, and a watch on them. */
export class AlertFolder {
  readonly dir: string;
  #texts = new Map<string, string>();
  #problems: Problem[] = [];
  #loading: Promise<unknown> = Promise.resolve();
  #stopWatching: (() => void) | undefined;
  readonly #context: DashboardContext;
  readonly #logger: Logger;

  constructor(dir: string, context: DashboardContext, logger: Logger) {
    this.dir = dir;
    this.#context = context;
    this.#logger = logger;
  }

  /** Problems found by the last load (the files they name keep their last good version). */
  get problems(): readonly Problem[] {
    return this.#problems;
  }

  /** A label per file whose rules are in force, and the text they came from: compare two to see what a reload changed. */
  versions(): Map<string, string> {
    return new Map([...this.#texts].map(([file, text]) => [this.#label(file), text]));
  }

  /** Reads the folder again against `dashboards`; loads run one after another. */
  load(dashboards: readonly Dashboard[]): Promise<AlertFolderLoad> {
    const next = this.#loading.then(() => this.#load(dashboards));
    this.#loading = next.catch(() => undefined);
    return next;
  }

  /** Calls `onChange` (which should reload alerting) about 50 ms after a file of the folder changes. */
  watch(onChange: () => void): void {
    this.#stopWatching ??= watchFolder(this.dir, onChange, this.#logger, 'alerts');
  }

  /** Stops watching. */
  close(): void {
    this.#stopWatching?.();
    this.#stopWatching = undefined;
  }

  async #load(dashboards: readonly Dashboard[]): Promise<AlertFolderLoad> {
    const before = this.versions();
    const { rules, problems, texts } = await loadAlertFiles(this.dir, dashboards, this.#context, this.#texts);
    this.#texts = texts;
    // A broken file is reported when it breaks (or breaks differently), not again on every reload.
    const known = new Set(this.#problems.map(formatProblem));
    for (const p of problems) if (!known.has(formatProblem(p))) this.#logger.error({ file: p.file, line: p.line, col: p.col }, formatProblem(p));
    this.#problems = problems;
    const after = this.versions();
    const changed = changedVersions(before, after);
    for (const label of changed) this.#logger.info({ file: label }, after.has(label) ? 'alert file loaded' : 'alert file removed');
    return { rules, changed, problems };
  }

  #label(file: string): string {
    return join(basename(this.dir), relative(this.dir, file));
  }
}

/** The labels whose text differs between two `versions()`: what a reload changed. */
export function changedVersions(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): string[] {
  return [...new Set([...before.keys(), ...after.keys()])].filter((label) => before.get(label) !== after.get(label)).sort();
}
