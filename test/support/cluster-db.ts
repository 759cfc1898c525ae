/**
 * The PostgreSQL side of the cluster tests: a database in which every run of a widget's query leaves one row
 * (which widget, which variable value, which instance ran it, when). Counting rows over a window counts query
 * runs as PostgreSQL saw them, so "one run per tick cluster-wide" is checked without trusting rtdash's own figures.
 */
import { Client } from 'pg';
import { databaseUrl } from './scratch-database.js';

/**
 * The table and the function a widget's query calls: `hit('w1', :shard)` inserts a row tagged with the
 * connection's application_name (each instance's data source sets its own) and returns the row's id, which
 * is unique per run: the last id in a widget's frame names the run its state came from.
 */
export const HITS_SETUP = `
CREATE TABLE hits (
  id bigserial PRIMARY KEY,
  widget text NOT NULL,
  shard text NOT NULL,
  app text NOT NULL,
  at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE FUNCTION hit(w text, s text) RETURNS bigint LANGUAGE sql VOLATILE AS $$
  INSERT INTO hits (widget, shard, app) VALUES (w, s, current_setting('application_name')) RETURNING id
$$;
`;

/** Query runs of one job (`shard/widget`) over a window, per instance (application_name). */
export interface JobRuns {
  job: string;
  total: number;
  byApp: Record<string, number>;
}

/** Reads the rows the widgets' queries left; one connection, closed by `close`. */
export class HitLedger {
  readonly #client: Client;
  readonly #ready: Promise<unknown>;

  constructor(database: string) {
    this.#client = new Client({ connectionString: databaseUrl(database), application_name: 'rtdash-test-ledger' });
    this.#ready = this.#client.connect();
  }

  /** The database's clock now (windows are measured on it, so an instance's skewed clock does not matter). */
  async now(): Promise<Date> {
    await this.#ready;
    return (await this.#client.query<{ now: Date }>('SELECT clock_timestamp() AS now')).rows[0]!.now;
  }

  /** Runs per job between `from` and `to` (database times; `to` defaults to now). */
  async runs(from: Date, to?: Date): Promise<Map<string, JobRuns>> {
    await this.#ready;
    const { rows } = await this.#client.query<{ widget: string; shard: string; app: string; n: string }>(
      'SELECT widget, shard, app, count(*) AS n FROM hits WHERE at >= $1 AND at < coalesce($2, clock_timestamp()) GROUP BY 1, 2, 3',
      [from, to ?? null],
    );
    const jobs = new Map<string, JobRuns>();
    for (const r of rows) {
      const job = `${r.shard}/${r.widget}`;
      const runs = jobs.get(job) ?? { job, total: 0, byApp: {} };
      runs.total += Number(r.n);
      runs.byApp[r.app] = (runs.byApp[r.app] ?? 0) + Number(r.n);
      jobs.set(job, runs);
    }
    return jobs;
  }

  /** Per job, ms from `from` (database time) to its first run by an instance other than `except` (an app name). */
  async firstRuns(from: Date, except: string): Promise<Map<string, number>> {
    await this.#ready;
    const { rows } = await this.#client.query<{ job: string; ms: number }>(
      "SELECT shard || '/' || widget AS job, extract(epoch FROM min(at) - $1::timestamptz) * 1000 AS ms FROM hits WHERE at >= $1 AND app <> $2 GROUP BY 1",
      [from, except],
    );
    return new Map(rows.map((r) => [r.job, Number(r.ms)]));
  }

  /**
   * Query runs over a window of `ms` from now on, per job, next to the count one instance would make
   * (`ms / everyMs` per job): what the rate assertions compare.
   */
  async measure(ms: number, everyMs: number): Promise<{ jobs: Map<string, JobRuns>; expected: number }> {
    const from = await this.now();
    await new Promise((resolve) => setTimeout(resolve, ms));
    return { jobs: await this.runs(from), expected: ms / everyMs };
  }

  async close(): Promise<void> {
    await this.#ready.catch(() => undefined);
    await this.#client.end().catch(() => undefined);
  }
}

/** One line per job, `a/w1 12 (inst-a 12)`, for an assertion's message. */
export function describeRuns(jobs: Map<string, JobRuns>): string {
  return [...jobs.values()]
    .sort((x, y) => x.job.localeCompare(y.job))
    .map((r) => `${r.job} ${r.total} (${Object.entries(r.byApp).map(([app, n]) => `${app} ${n}`).join(', ')})`)
    .join('; ');
}
