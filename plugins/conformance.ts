/**
 * The conformance kit: the mocha suite every data source must pass, whatever it talks to. A plugin's test file
 * calls `runConformance` with the plugin, working options and a few queries, and adds its own tests beside it.
 * Uses node:assert rather than chai so plugin authors need nothing but mocha.
 */
import { DEFAULT_MAX_ROWS } from '../core/job.js';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { parse as parseYaml } from 'yaml';
import { checkFrame } from '../core/frame.js';
import { packageRoot } from '../core/paths.js';
import {
  definePlugin,
  type DataSource,
  type Logger,
  type PluginContext,
  type PluginDefinition,
  type QueryContext,
  type RuntimeStats,
} from '../core/plugin.js';

/** The names of the checks, for `skip`. Per-query checks are skipped for every query at once. */
export type ConformanceCheck = 'definition' | 'schemas-described' | 'options' | 'query-schema' | 'frame' | 'abort' | 'timeout' | 'bound' | 'health' | 'close';

/** One query the suite runs against the source. */
export interface ConformanceQuery<Query> {
  /** Shown in test titles. */
  name: string;
  query: Query;
  /** Bound variable values, as the scheduler would pass them. */
  variables?: Record<string, string>;
}

/** What `runConformance` needs. */
export interface ConformanceSuite<Options, Query> {
  plugin: PluginDefinition<Options, Query>;
  /** Options that work: the suite validates them and creates the source with them. */
  options: Options;
  /** At least one query; each should succeed against a healthy source. */
  queries: ConformanceQuery<Query>[];
  /** Checks this plugin cannot pass, each for a reason its test file should state in a comment. */
  skip?: ConformanceCheck[];
  /**
   * A query that takes seconds (a `pg_sleep`, a slow endpoint): the suite aborts it after 100 ms and
   * expects the rejection within a second, as the scheduler's time-out needs.
   */
  slowQuery?: ConformanceQuery<Query>;
  /**
   * A query that uses a variable: the suite runs it with hostile values (quotes, SQL, CRLF, `*`) and
   * expects a well-formed frame each time, since a bound value is only ever data.
   */
  boundQuery?: ConformanceQuery<Query> & { variable: string };
}

/** An ajv like the config loader's: strict, but knowing the editor keyword `patternErrorMessage`. */
function kitAjv(): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, allowUnionTypes: true });
  ajv.addVocabulary(['patternErrorMessage']);
  return ajv;
}

/** Values that break a query if a plugin splices them into its text instead of binding them. */
export const HOSTILE_VALUES: readonly string[] = ["eu'; DROP TABLE orders;--", '" OR 1=1 --', '\r\nFLUSHALL\r\n', '*', '../../etc/passwd', 'a&b=c#d'];

/** The figures `fakePluginContext` reports as `runtime.stats()`. */
export const FAKE_RUNTIME_STATS: Readonly<RuntimeStats> = Object.freeze({
  viewers: 3,
  connections: 2,
  jobs: 5,
  queriesPerSecond: 1.5,
  messagesSent: 10,
  bytesSent: 1000,
});

/** A logger that drops everything. */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child: () => silentLogger,
};

/**
 * A PluginContext for tests: silent logger, a signal nobody aborts, FAKE_RUNTIME_STATS. Override any part.
 * @example const source = await plugin.create(fakePluginContext({ seed: 7 }));
 */
export function fakePluginContext<Options>(options: Options, overrides: Partial<PluginContext<Options>> = {}): PluginContext<Options> {
  return {
    name: 'test',
    options,
    logger: silentLogger,
    signal: new AbortController().signal,
    runtime: { stats: () => ({ ...FAKE_RUNTIME_STATS }) },
    ...overrides,
  };
}

/**
 * A QueryContext for tests: the last ten minutes at a 1 s interval, no variables, a live signal. Override any part.
 * @example await source.query('revenue', fakeQueryContext({ range: { from: 0, to: 60_000 } }));
 */
export function fakeQueryContext(overrides: Partial<QueryContext> = {}): QueryContext {
  const to = Date.now();
  return { variables: {}, range: { from: to - 600_000, to }, intervalMs: 1000, signal: new AbortController().signal, maxRows: DEFAULT_MAX_ROWS, ...overrides };
}

/**
 * Registers the shared suite (mocha `describe`/`it`) for one plugin.
 * @example runConformance({ plugin, options: {}, queries: [{ name: 'host', query: 'host' }] });
 */
export function runConformance<Options, Query>(suite: ConformanceSuite<Options, Query>): void {
  const { plugin, options, queries } = suite;
  const skipped = new Set<ConformanceCheck>(suite.skip ?? []);
  const check = (name: ConformanceCheck, title: string, fn: () => Promise<void> | void): void => {
    (skipped.has(name) ? it.skip : it)(`${name}: ${title}`, fn);
  };
  const ajv = kitAjv();
  let frameSchema: ValidateFunction | undefined;
  let querySchema: ValidateFunction | undefined;

  describe(`data-source conformance: ${String(plugin.type)}`, () => {
    let source: DataSource<Query> | undefined;
    const live = (): DataSource<Query> => {
      assert.ok(source, 'create() did not produce a source');
      return source;
    };

    before(async () => {
      source = await plugin.create(fakePluginContext(options));
    });
    after(async () => {
      await source?.close?.();
    });

    check('definition', 'definePlugin accepts the definition', () => {
      assert.equal(definePlugin(plugin), plugin);
      assert.ok(queries.length > 0, 'give the suite at least one query');
    });

    check('schemas-described', 'both schemas have a description, for editors and `rtdash validate`', () => {
      assert.equal(typeof plugin.optionsSchema.description, 'string', 'optionsSchema has no description');
      assert.equal(typeof plugin.querySchema.description, 'string', 'querySchema has no description');
    });

    check('options', 'the options validate against optionsSchema', () => {
      const validate = ajv.compile(plugin.optionsSchema);
      assert.ok(validate(options), `options ${JSON.stringify(options)}: ${errorsText(validate.errors)}`);
    });

    for (const q of queries) {
      const context = (signal: AbortSignal): QueryContext => fakeQueryContext({ variables: q.variables ?? {}, signal });

      check('query-schema', `query "${q.name}" validates against querySchema`, () => {
        querySchema ??= ajv.compile(plugin.querySchema);
        assert.ok(querySchema(q.query), `query ${JSON.stringify(q.query)}: ${errorsText(querySchema.errors)}`);
      });

      check('frame', `query "${q.name}" resolves a well-formed frame`, async () => {
        const frame: unknown = await live().query(q.query, context(new AbortController().signal));
        assert.equal(checkFrame(frame), undefined, `query "${q.name}" returned a malformed frame: ${checkFrame(frame)}`);
        frameSchema ??= ajv.compile(JSON.parse(readFileSync(join(packageRoot, 'core', 'schemas', 'frame.schema.json'), 'utf8')) as object);
        assert.ok(frameSchema(frame), `frame does not match frame.schema.json: ${errorsText(frameSchema.errors)}`);
      });

      check('abort', `query "${q.name}" rejects when its signal is already aborted`, async () => {
        const controller = new AbortController();
        controller.abort();
        // An async wrapper, so a plugin that throws synchronously counts as rejecting too.
        await assert.rejects(async () => live().query(q.query, context(controller.signal)));
      });
    }

    if (suite.slowQuery) {
      const slow = suite.slowQuery;
      check('timeout', `a running query ("${slow.name}") rejects within a second of its signal aborting`, async () => {
        const controller = new AbortController();
        const started = Date.now();
        const running = Promise.resolve().then(() => live().query(slow.query, fakeQueryContext({ variables: slow.variables ?? {}, signal: controller.signal })));
        setTimeout(() => controller.abort(new Error('time-out')), 100);
        await assert.rejects(running);
        assert.ok(Date.now() - started < 1100, `the query took ${Date.now() - started} ms to give up after its signal aborted at 100 ms`);
      });
    }

    if (suite.boundQuery) {
      const bound = suite.boundQuery;
      for (const value of HOSTILE_VALUES) {
        check('bound', `variables are bound, not spliced: ${JSON.stringify(value)} in "${bound.name}"`, async () => {
          const variables = { ...bound.variables, [bound.variable]: value };
          const frame: unknown = await live().query(bound.query, fakeQueryContext({ variables }));
          assert.equal(checkFrame(frame), undefined, `with ${JSON.stringify(value)}: ${checkFrame(frame)}`);
        });
      }
    }

    check('health', 'health() resolves with status ok, degraded or down', async () => {
      const health = await live().health(new AbortController().signal);
      assert.ok(['ok', 'degraded', 'down'].includes(health.status), `health status ${JSON.stringify(health.status)}`);
      if (health.message !== undefined) assert.equal(typeof health.message, 'string');
    });

    check('close', 'close(), where present, resolves and may be called twice', async () => {
      // A fresh instance, so closing it leaves the shared one usable for the other checks.
      const own = await plugin.create(fakePluginContext(options));
      if (own.close === undefined) return;
      await own.close();
      await own.close();
    });
  });
}

/** What `runExampleChecks` needs. */
export interface ExampleSuite<Options, Query> {
  plugin: PluginDefinition<Options, Query>;
  /** The plugin's folder, holding example.yaml and README.md. */
  dir: string;
  /** Data-source instance names that mean this plugin in the dashboards. Default: the plugin's type. */
  sources?: string[];
  /** More dashboard files whose widgets on these sources should be checked too. */
  dashboards?: string[];
}

/**
 * Registers tests that keep a plugin's examples honest: README.md embeds example.yaml verbatim, and every widget
 * on the plugin's sources (in example.yaml and `dashboards`) has a query its querySchema accepts and refers only
 * to declared variables. Whole-dashboard validation is the config loader's business, not repeated here.
 * @example runExampleChecks({ plugin, dir: join(packageRoot, 'plugins', 'demo') });
 */
export function runExampleChecks<Options, Query>(suite: ExampleSuite<Options, Query>): void {
  const example = join(suite.dir, 'example.yaml');
  const sources = new Set(suite.sources ?? [suite.plugin.type]);
  describe(`examples: ${suite.plugin.type}`, () => {
    it('README.md embeds example.yaml verbatim', () => {
      const readme = readFileSync(join(suite.dir, 'README.md'), 'utf8');
      assert.ok(readme.includes(readFileSync(example, 'utf8').trim()), 'README.md does not contain example.yaml as it is now');
    });
    for (const file of [example, ...(suite.dashboards ?? [])]) {
      it(`widgets in ${relative(packageRoot, file)} have valid queries and declared variables`, () => {
        const validate = kitAjv().compile(suite.plugin.querySchema);
        const dashboard = parseYaml(readFileSync(file, 'utf8')) as { variables?: Record<string, unknown>; widgets?: unknown; time?: unknown };
        const declared = new Set(Object.keys(dashboard.variables ?? {}));
        // A dashboard with a time range gives every query :from, :to and :bucket (docs/time.md).
        if (dashboard.time !== undefined) for (const name of ['from', 'to', 'bucket']) declared.add(name);
        assert.ok(Array.isArray(dashboard.widgets), 'no widgets list');
        const widgets = (dashboard.widgets as { id?: unknown; source?: unknown; query?: unknown }[]).filter((w) => sources.has(String(w.source)));
        assert.ok(widgets.length > 0, `no widget uses ${[...sources].join(' or ')}`);
        for (const w of widgets) {
          assert.ok(validate(w.query), `widget ${String(w.id)}: query ${JSON.stringify(w.query)}: ${errorsText(validate.errors)}`);
          for (const name of variableRefs(w.query)) {
            assert.ok(declared.has(name), `widget ${String(w.id)} refers to :${name}, which the dashboard does not declare`);
          }
        }
      });
    }
  });
}

/** Names of `:name` references anywhere in a query: whole strings or words inside text such as SQL. */
function variableRefs(value: unknown): string[] {
  if (typeof value === 'string') return [...value.matchAll(/(?<![:\w]):([A-Za-z_]\w*)/g)].map((m) => m[1] as string);
  if (Array.isArray(value)) return value.flatMap(variableRefs);
  if (typeof value === 'object' && value !== null) return Object.values(value).flatMap(variableRefs);
  return [];
}

function errorsText(errors: ErrorObject[] | null | undefined): string {
  return (errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`).join('; ');
}
