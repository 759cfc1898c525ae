/**
 * The postgres plugin against the real server: conformance, type mapping, named parameters, row cap, errors,
 * the example dashboard's queries, and LISTEN/NOTIFY. Faults (time-outs, lost connections, restarts) are in
 * postgres-faults.test.ts.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect } from 'chai';
import { parse as parseYaml } from 'yaml';
import { packageRoot } from '../../core/paths.js';
import type { Field, Frame } from '../../core/plugin.js';
import { needService } from '../../test/support/services.js';
import { fakePluginContext, fakeQueryContext, runConformance, runExampleChecks } from '../conformance.js';
import { dialectCases } from '../sql-dialect-cases.js';
import plugin, { type PostgresOptions, type PostgresSource } from './index.js';
import { COALESCE_MS } from './listen.js';
import { PG_URL, adminClient, adminQuery, sleep, uniqueName, waitFor } from './test-support.js';

const DIR = join(packageRoot, 'plugins', 'postgres');
// This run's own schema: runs side by side on one server must not drop each other's tables.
const SCHEMA = `rtdash_pg_test_${process.pid}`;

describe('postgres', function () {
  before(async function () {
    await needService(this, 'postgres');
  });

  runConformance({
    plugin,
    options: { url: PG_URL, application_name: 'rtdash-conformance' },
    queries: [
      { name: 'one row', query: 'SELECT 1 AS one' },
      { name: 'a time series', query: "SELECT g AS t, 1.5 AS v FROM generate_series(now() - interval '5 minutes', now(), interval '1 minute') AS g" },
      { name: 'with a variable', query: 'SELECT :region AS region, now() AS t', variables: { region: 'eu' } },
    ],
    slowQuery: { name: 'pg_sleep(5)', query: 'SELECT pg_sleep(5)' },
    boundQuery: { name: 'a filter on a variable', query: "SELECT count(*) AS n FROM (VALUES ('eu'), ('us')) AS r(region) WHERE region = :region", variable: 'region' },
  });

  runExampleChecks({ plugin, dir: DIR, sources: ['shopdb'] });

  describe('postgres source', () => {
    let source: PostgresSource;
    const open = async (options: Partial<PostgresOptions> = {}, name = 'shopdb'): Promise<PostgresSource> =>
      (await plugin.create(fakePluginContext<PostgresOptions>({ url: PG_URL, ...options }, { name }))) as PostgresSource;
    const ask = (sql: string, variables: Record<string, string> = {}, maxRows = 10_000, on = source): Promise<Frame> =>
      on.query(sql, fakeQueryContext({ variables, maxRows }));
    const field = (frame: Frame, name: string): Field => {
      const found = frame.fields.find((f) => f.name === name);
      if (found === undefined) throw new Error(`no field ${name} in ${frame.fields.map((f) => f.name).join(', ')}`);
      return found;
    };

    for (const form of dialectCases('postgres')) {
      it(`binds the parameter after ${form.name}`, async () => {
        const frame = await ask(form.sql, { region: 'eu-1', other: 'WRONG' });
        expect(field(frame, 'r').values).to.deep.equal(['eu-1']);
      });
    }

    before(async () => {
      await adminQuery(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
      await adminQuery(`CREATE SCHEMA ${SCHEMA}`);
      await adminQuery(`CREATE TABLE ${SCHEMA}.orders (id serial PRIMARY KEY, created_at timestamptz NOT NULL, region text NOT NULL, total numeric(12, 2) NOT NULL, status text NOT NULL)`);
      await adminQuery(`
        INSERT INTO ${SCHEMA}.orders (created_at, region, total, status)
        SELECT now() - g * interval '37 seconds', (ARRAY['eu', 'us', 'apac'])[1 + g % 3], 10 + g % 50 + 0.25, (ARRAY['paid', 'shipped', 'failed', 'pending'])[1 + g % 4]
        FROM generate_series(1, 120) AS g`);
      source = await open();
    });
    after(async () => {
      await source?.close();
      await adminQuery(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`).catch(() => undefined);
    });

    it('maps every column kind to its field type and values', async () => {
      const frame = await ask(`
        SELECT 1::int2 AS i2, 2::int4 AS i4, 3::int8 AS i8, 1.5::float4 AS f4, 2.25::float8 AS f8, 12.50::numeric AS num,
               9007199254740993::int8 AS big, true AS yes, false AS no,
               '2024-06-12 12:34:56.789'::timestamp AS ts, '2024-06-12 14:34:56.789+02'::timestamptz AS tstz, '2024-06-12'::date AS d,
               'eu'::text AS txt, '{"a": 1}'::json AS j, '7d444840-9dc0-11d1-b245-5ffdce74fad2'::uuid AS u, interval '90 minutes' AS iv,
               NULL::int4 AS null_int, NULL::timestamptz AS null_time, NULL::bool AS null_bool, NULL::text AS null_text,
               'NaN'::float8 AS nan, 'infinity'::timestamptz AS inf`);
      const at = Date.UTC(2024, 5, 12, 12, 34, 56, 789);
      const expected: [string, Field['type'], unknown][] = [
        ['i2', 'number', 1], ['i4', 'number', 2], ['i8', 'number', 3], ['f4', 'number', 1.5], ['f8', 'number', 2.25], ['num', 'number', 12.5],
        ['big', 'number', 9007199254740992], ['yes', 'boolean', true], ['no', 'boolean', false],
        ['ts', 'time', at], ['tstz', 'time', at], ['d', 'time', Date.UTC(2024, 5, 12)],
        ['txt', 'string', 'eu'], ['j', 'string', '{"a": 1}'], ['u', 'string', '7d444840-9dc0-11d1-b245-5ffdce74fad2'], ['iv', 'string', '01:30:00'],
        ['null_int', 'number', null], ['null_time', 'time', null], ['null_bool', 'boolean', null], ['null_text', 'string', null],
        ['nan', 'number', null], ['inf', 'time', null],
      ];
      expect(frame.fields.map((f) => [f.name, f.type, f.values[0]])).to.deep.equal(expected);
      expect(frame.meta).to.equal(undefined);
    });

    it('reads timestamptz the same in any session time zone; time_zone moves day boundaries', async () => {
      const sql = "SELECT '2024-06-12 20:00:00+00'::timestamptz AS at, date_trunc('day', '2024-06-12 20:00:00+00'::timestamptz) AS day";
      const kolkata = await open({ time_zone: 'Asia/Kolkata' });
      try {
        const [utc, local] = [await ask(sql), await ask(sql, {}, 10, kolkata)];
        expect(field(utc, 'at').values).to.deep.equal([Date.UTC(2024, 5, 12, 20)]);
        expect(field(local, 'at').values).to.deep.equal([Date.UTC(2024, 5, 12, 20)]);
        expect(field(utc, 'day').values).to.deep.equal([Date.UTC(2024, 5, 12)]);
        // 20:00 UTC is 01:30 on the 13th in Kolkata (UTC+05:30): that day began at 18:30 UTC on the 12th.
        expect(field(local, 'day').values).to.deep.equal([Date.UTC(2024, 5, 12, 18, 30)]);
      } finally {
        await kolkata.close();
      }
    });

    it('binds named parameters, a name used twice and ::casts, and leaves literals and comments alone', async () => {
      const frame = await ask("SELECT :region AS a, :region AS b, :n::int + 1 AS c, ':region' AS literal /* :n */, '2024-01-01'::date AS d", { region: 'eu', n: '41' });
      expect(frame.fields.map((f) => [f.name, f.values[0]])).to.deep.equal([['a', 'eu'], ['b', 'eu'], ['c', 42], ['literal', ':region'], ['d', Date.UTC(2024, 0, 1)]]);
      const count = await ask(`SELECT count(*) AS n FROM ${SCHEMA}.orders WHERE (:region = 'all' OR region = :region)`, { region: 'eu' });
      expect(field(count, 'n').values).to.deep.equal([40]);
    });

    it('answers zero rows with typed fields and no values', async () => {
      const frame = await ask(`SELECT id, created_at, region, total, status = 'paid' AS paid FROM ${SCHEMA}.orders WHERE false`);
      expect(frame.fields).to.deep.equal([
        { name: 'id', type: 'number', values: [] },
        { name: 'created_at', type: 'time', values: [] },
        { name: 'region', type: 'string', values: [] },
        { name: 'total', type: 'number', values: [] },
        { name: 'paid', type: 'boolean', values: [] },
      ]);
    });

    it('binds a hostile variable value harmlessly', async () => {
      const frame = await ask(`SELECT * FROM ${SCHEMA}.orders WHERE region = :region`, { region: "eu'; DROP TABLE orders;--" });
      expect(frame.fields[0]?.values).to.deep.equal([]);
      expect(await adminQuery(`SELECT count(*)::int AS n FROM ${SCHEMA}.orders`)).to.deep.equal([{ n: 120 }]);
    });

    it('runs one read-only statement: a second statement or a data-modifying one is refused', async () => {
      const attempts = [
        `SELECT 1) AS x; DROP TABLE ${SCHEMA}.orders; SELECT (1`,
        `DELETE FROM ${SCHEMA}.orders RETURNING id`,
        `WITH gone AS (DELETE FROM ${SCHEMA}.orders RETURNING id) SELECT * FROM gone`,
      ];
      for (const sql of attempts) {
        const err = await ask(sql).then(() => undefined, (e: unknown) => e);
        expect(err, sql).to.be.instanceOf(Error);
        expect((err as Error).message, sql).to.match(/^postgres "shopdb": /);
      }
      expect(await adminQuery(`SELECT count(*)::int AS n FROM ${SCHEMA}.orders`)).to.deep.equal([{ n: 120 }]);
    });

    it("reports the database's own message, prefixed with the source", async () => {
      const failure = (sql: string, variables: Record<string, string> = {}): Promise<string> => ask(sql, variables).then(() => 'resolved', (e: Error) => e.message);
      expect(await failure(`SELECT * FROM ${SCHEMA}.nope`)).to.equal(`postgres "shopdb": relation "${SCHEMA}.nope" does not exist`);
      expect(await failure('SELEC 1')).to.equal('postgres "shopdb": syntax error at or near "SELEC"');
      expect(await failure('SELECT 1 FROM')).to.equal('postgres "shopdb": syntax error at end of input');
      expect(await failure(`DELETE FROM ${SCHEMA}.orders`)).to.equal('postgres "shopdb": a query must be one statement that returns rows: SELECT, WITH … SELECT, VALUES or TABLE');
      expect(await failure('SELECT 1/0')).to.equal('postgres "shopdb": division by zero');
      expect(await failure('SELECT :nope')).to.equal('postgres "shopdb": the query uses :nope, but the dashboard has no variable "nope"');
      // The connection that saw the errors is still good.
      expect(field(await ask('SELECT 2 AS two'), 'two').values).to.deep.equal([2]);
    });

    it('cuts a result at maxRows and flags it, without loading the rest', async () => {
      // A hundred million rows: only a cap that reaches the server answers this in well under a second.
      const started = performance.now();
      const huge = await ask('SELECT generate_series(1, 100000000) AS n', {}, 100);
      const elapsed = performance.now() - started;
      expect(field(huge, 'n').values).to.deep.equal(Array.from({ length: 100 }, (_, i) => i + 1));
      expect(huge.meta).to.deep.equal({ truncated: true });
      expect(elapsed, 'ms for 100 of 10^8 rows').to.be.below(2000);
      const sorted = await ask('SELECT g AS n FROM generate_series(1, 1000000) AS g ORDER BY g DESC', {}, 100);
      expect(field(sorted, 'n').values.slice(0, 2)).to.deep.equal([1000000, 999999]);
      expect(sorted.meta).to.deep.equal({ truncated: true });
      const exact = await ask('SELECT g AS n FROM generate_series(1, 100) AS g', {}, 100);
      expect(field(exact, 'n').values).to.have.length(100);
      expect(exact.meta).to.equal(undefined);
    });

    it('accepts a trailing semicolon and a trailing comment', async () => {
      expect(field(await ask('SELECT 1 AS one;  \n'), 'one').values).to.deep.equal([1]);
      expect(field(await ask('SELECT 1 AS one -- the end'), 'one').values).to.deep.equal([1]);
    });

    it('gives repeated column names a suffix', async () => {
      expect((await ask('SELECT 1 AS a, 2 AS a')).fields.map((f) => f.name)).to.deep.equal(['a', 'a_2']);
    });

    it("runs every query of example.yaml, for each region", async () => {
      const dashboard = parseYaml(readFileSync(join(DIR, 'example.yaml'), 'utf8')) as { widgets: { id: string; query: string; source: string }[] };
      for (const widget of dashboard.widgets.filter((w) => w.source === 'shopdb')) {
        const sql = widget.query.replace(/\bFROM orders\b/g, `FROM ${SCHEMA}.orders`);
        for (const region of ['all', 'eu', 'us', 'apac']) {
          const frame = await ask(sql, { region });
          expect(frame.fields.length, widget.id).to.be.greaterThan(1);
        }
      }
    });

    it('answers health with ok, and down once closed', async () => {
      const own = await open();
      expect(await own.health(new AbortController().signal)).to.deep.equal({ status: 'ok' });
      await own.close();
      expect((await own.health(new AbortController().signal)).status).to.equal('down');
      await own.query('SELECT 1', fakeQueryContext()).then(
        () => expect.fail('resolved'),
        (err: Error) => expect(err.message).to.equal('postgres "shopdb" is closed'),
      );
    });

    it('identifies its connections by application_name', async () => {
      const name = uniqueName('rtdash_app');
      const own = await open({ application_name: name });
      try {
        await ask('SELECT 1', {}, 10, own);
        const rows = await adminQuery<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [name]);
        expect(rows).to.deep.equal([{ n: 1 }]);
      } finally {
        await own.close();
      }
    });

    it('refuses url together with separate connection fields', () => {
      expect(() => plugin.create(fakePluginContext<PostgresOptions>({ url: PG_URL, password: 'x' }, { name: 'shopdb' }))).to.throw(
        'postgres "shopdb": give either url or host/port/database/user/password, not both (found url and password)',
      );
    });

    it('describes every option in its schema and refuses unknown ones', () => {
      const walk = (schema: Record<string, unknown>, path: string): void => {
        for (const [key, value] of Object.entries((schema.properties ?? {}) as Record<string, Record<string, unknown>>)) {
          expect(value.description, `${path}.${key}`).to.be.a('string');
          for (const branch of (value.anyOf ?? []) as Record<string, unknown>[]) if (branch.type === 'object') walk(branch, `${path}.${key}`);
        }
      };
      walk(plugin.optionsSchema, 'options');
      // Strict, knowing the one editor keyword the options use (the url's friendly pattern message).
      const validate = new Ajv2020({ allowUnionTypes: true }).addVocabulary(['patternErrorMessage']).compile(plugin.optionsSchema);
      expect(validate({ url: PG_URL, pool_size: 3, connect_timeout: '2s', idle_timeout: '1m', ssl: { reject_unauthorized: false }, statement_timeout: '30s' })).to.equal(true);
      for (const bad of [{ poolsize: 3 }, { connect_timeout: 5 }, { ssl: { rejectUnauthorized: false } }, { url: 'mysql://x' }]) {
        expect(validate(bad), JSON.stringify(bad)).to.equal(false);
      }
      const listen = new Ajv2020().compile(plugin.listenSchema ?? {});
      expect(listen('orders_changed')).to.equal(true);
      expect(listen('Orders; DROP')).to.equal(false);
    });

    describe('LISTEN/NOTIFY', () => {
      const notify = async (channel: string, times = 1): Promise<void> => {
        const admin = await adminClient();
        try {
          for (let i = 0; i < times; i++) await admin.query(`NOTIFY ${channel}, '${i}'`);
        } finally {
          await admin.end();
        }
      };
      // Keeps notifying until `check` holds: a LISTEN sent a moment ago may not be in force yet.
      const notifyUntil = (channel: string, check: () => boolean, what: string): Promise<boolean> =>
        waitFor(async () => check() || (await notify(channel), false), 3000, what);
      const listenBackends = (app: string): Promise<{ n: number }[]> =>
        adminQuery<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND query LIKE '%LISTEN %'", [app]);

      it('re-runs within milliseconds of a NOTIFY, on one connection for all channels', async () => {
        const app = uniqueName('rtdash_listen');
        const own = await open({ application_name: app });
        try {
          const calls: number[] = [];
          const other: number[] = [];
          own.subscribe?.('orders_changed', () => calls.push(performance.now()), { variables: {} });
          own.subscribe?.('stock_changed', () => other.push(performance.now()), { variables: {} });
          await notifyUntil('orders_changed', () => calls.length > 0, 'the first notification');
          await notifyUntil('stock_changed', () => other.length > 0, 'the second channel');
          await sleep(COALESCE_MS * 2);
          const admin = await adminClient();
          try {
            const before = calls.length;
            const sent = performance.now();
            await admin.query('NOTIFY orders_changed');
            await waitFor(() => calls.length > before, 1000, 'onChange');
            expect((calls[before] as number) - sent, 'ms from NOTIFY to onChange').to.be.below(100);
          } finally {
            await admin.end();
          }
          expect(await listenBackends(app)).to.deep.equal([{ n: 1 }]);
        } finally {
          await own.close();
        }
      });

      it('turns a burst of 50 NOTIFYs into a few calls', async () => {
        const own = await open();
        try {
          const calls: number[] = [];
          own.subscribe?.('burst_test', () => calls.push(performance.now()), { variables: {} });
          await notifyUntil('burst_test', () => calls.length > 0, 'the listener');
          await sleep(COALESCE_MS * 3);
          calls.length = 0;
          const started = performance.now();
          await notify('burst_test', 50);
          const burstMs = performance.now() - started;
          await sleep(COALESCE_MS * 4);
          // One at once, then at most one per coalescing window while the burst lasted, plus the trailing one.
          expect(calls.length).to.be.within(1, Math.min(10, 2 + Math.ceil(burstMs / COALESCE_MS)));
        } finally {
          await own.close();
        }
      });

      it('stops calling after unsubscribe, and close() ends the LISTEN connection', async () => {
        const app = uniqueName('rtdash_unlisten');
        const own = await open({ application_name: app });
        const gone: number[] = [];
        const kept: number[] = [];
        const stop = own.subscribe?.('orders_changed', () => gone.push(1), { variables: {} });
        own.subscribe?.('orders_changed', () => kept.push(1), { variables: {} });
        await notifyUntil('orders_changed', () => gone.length > 0 && kept.length > 0, 'both listeners');
        stop?.();
        stop?.(); // twice is harmless
        await sleep(COALESCE_MS * 2);
        const [goneBefore, keptBefore] = [gone.length, kept.length];
        await notifyUntil('orders_changed', () => kept.length > keptBefore, 'the remaining listener');
        expect(gone.length).to.equal(goneBefore);
        expect(own.listening).to.equal(true);
        expect(await listenBackends(app)).to.deep.equal([{ n: 1 }]);
        await own.close();
        await own.close();
        expect(own.listening).to.equal(false);
        await waitFor(async () => (await listenBackends(app))[0]?.n === 0, 1000, 'the LISTEN backend to go');
      });

      it('refuses a channel that is not a plain lower-case name', async () => {
        expect(() => source.subscribe?.('Orders; DROP TABLE x', () => undefined, { variables: {} })).to.throw(/listen: expected a lower-case channel name/);
        expect(() => source.subscribe?.(42, () => undefined, { variables: {} })).to.throw(/listen: expected a channel name/);
      });
    });
  });
});
