/**
 * The dashboards being served, loaded from a folder and reloaded when it changes. A file that
 * breaks keeps serving its last good version; its problems are logged with file:line:col.
 */
import { RtdashError } from './errors.js';
import type { Dashboard } from './model.js';
import type { Logger } from './plugin.js';
import { formatProblem, type Problem } from './config/index.js';
import { loadDashboardDir, watchFolder, type DashboardContext } from './config/index.js';

/** Called for each dashboard id whose definition changed (undefined: it was removed). */
export type DashboardChange = (id: string, dashboard: Dashboard | undefined) => void;

/** What a reload did. */
export interface ReloadResult {
  dashboards: string[];
  changed: string[];
  problems: Problem[];
}

/** The current set of dashboards. */
export class DashboardStore {
  readonly dir: string;
  #byFile = new Map<string, Dashboard>();
  #byId = new Map<string, Dashboard>();
  #stopWatching: (() => void) | undefined;
  #problems: Problem[] = [];
  /** Ids that files declare but that are not served because those files have problems. */
  #failedIds = new Set<string>();
  readonly #context: DashboardContext;
  readonly #logger: Logger;
  readonly #onChange: DashboardChange;

  constructor(dir: string, context: DashboardContext, logger: Logger, onChange: DashboardChange) {
    this.dir = dir;
    this.#context = context;
    this.#logger = logger;
    this.#onChange = onChange;
  }

  /** A dashboard by id. */
  get(id: string): Dashboard | undefined {
    return this.#byId.get(id);
  }

  /**
   * The dashboard served as `id`, for a viewer. Throws RTDASH_DASHBOARD_NOT_FOUND, saying so when a file
   * declaring that id failed to load: the viewer learns it is broken, not which file or why (that is in the log).
   */
  served(id: string): Dashboard {
    const dashboard = this.#byId.get(id);
    if (dashboard !== undefined) return dashboard;
    const shown = String(id).slice(0, 64);
    if (this.#failedIds.has(id)) throw new RtdashError('RTDASH_DASHBOARD_NOT_FOUND', `dashboard "${shown}" has errors and could not be loaded; see the server log`);
    throw new RtdashError('RTDASH_DASHBOARD_NOT_FOUND', `no dashboard "${shown}"`);
  }

  /** All dashboards, by id. */
  list(): Dashboard[] {
    return [...this.#byId.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Problems found by the last reload (the files they name serve their last good version). */
  get problems(): readonly Problem[] {
    return this.#problems;
  }

  /** Reads the folder again; valid changes take effect, broken files keep their last good version. */
  async reload(): Promise<ReloadResult> {
    const { dashboards, problems, failed } = await loadDashboardDir(this.dir, this.#context);
    const broken = new Set(problems.map((p) => p.file));
    const byFile = new Map<string, Dashboard>();
    for (const d of dashboards) if (!broken.has(d.file)) byFile.set(d.file, d);
    for (const file of broken) {
      const lastGood = this.#byFile.get(file);
      if (lastGood) byFile.set(file, lastGood);
    }
    const byId = new Map<string, Dashboard>();
    for (const d of byFile.values()) if (!byId.has(d.id)) byId.set(d.id, d);
    const changed: string[] = [];
    for (const [id, d] of byId) if (this.#byId.get(id)?.version !== d.version) changed.push(id);
    for (const id of this.#byId.keys()) if (!byId.has(id)) changed.push(id);
    this.#byFile = byFile;
    this.#byId = byId;
    this.#failedIds = new Set(failed.map((f) => f.id).filter((id) => !byId.has(id)));
    // A broken file is reported when it breaks (or breaks differently), not again on every reload.
    const before = new Set(this.#problems.map(formatProblem));
    for (const p of problems) if (!before.has(formatProblem(p))) this.#logger.error({ file: p.file, line: p.line, col: p.col }, formatProblem(p));
    this.#problems = problems;
    for (const id of changed) {
      const d = byId.get(id);
      if (d) this.#logger.info({ dashboard: id, file: d.file, widgets: d.widgets.length }, 'dashboard loaded');
      else this.#logger.info({ dashboard: id }, 'dashboard removed');
      this.#onChange(id, byId.get(id));
    }
    return { dashboards: [...byId.keys()].sort(), changed, problems };
  }

  /** Starts watching the folder; reloads within about 50 ms of a change. */
  watch(): void {
    this.#stopWatching ??= watchFolder(this.dir, () => void this.reload().catch((err: unknown) => this.#logger.error({ err }, 'dashboard reload failed')), this.#logger, 'dashboards');
  }

  /** Stops watching. */
  close(): void {
    this.#stopWatching?.();
    this.#stopWatching = undefined;
  }
}
