/**
 * `npm run demo:seed` run twice must not back-fill a second hour on top of the first (the charts would show
 * a step of twice the orders): the second run fills only from the newest order already stored. Against the
 * real PostgreSQL and MariaDB, in databases of this run's own, dropped afterwards.
 */
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import mysql from 'mysql2/promise';
import { packageRoot } from '../core/paths.js';
import { SERVICES, needService } from './support/services.js';

const DB = `rtdash_seed_test_${process.pid}`;
const pgUrl = Object.assign(new URL(SERVICES.postgres.url), { pathname: `/${DB}` }).toString();
const myUrl = Object.assign(new URL(SERVICES.mysql.url), { pathname: `/${DB}` }).toString();

async function pgCount(): Promise<{ n: number; oldest: number }> {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string; oldest: Date }>('SELECT count(*) AS n, min(created_at) AS oldest FROM orders');
    return { n: Number(rows[0]!.n), oldest: rows[0]!.oldest.getTime() };
  } finally {
    await client.end();
  }
}

async function myCount(): Promise<number> {
  const conn = await mysql.createConnection(myUrl);
  try {
    const [rows] = await conn.query('SELECT COUNT(*) AS n FROM orders');
    return Number((rows as { n: number }[])[0]!.n);
  } finally {
    await conn.end();
  }
}

describe('npm run demo:seed', function () {
  this.timeout(60_000);
  let dir: string;

  before(async function () {
    await needService(this, 'postgres');
    await needService(this, 'mysql');
    dir = mkdtempSync(join(tmpdir(), 'rtdash-seed-'));
    writeFileSync(join(dir, 'config.yaml'), `datasources:\n  shopdb:\n    type: postgres\n    url: ${pgUrl}\n  shopmy:\n    type: mysql\n    url: ${myUrl}\n`);
  });

  after(async () => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    const admin = new pg.Client({ connectionString: SERVICES.postgres.url });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${DB}`).catch(() => undefined);
    await admin.end();
    const my = await mysql.createConnection(SERVICES.mysql.url);
    await my.query(`DROP DATABASE IF EXISTS ${DB}`).catch(() => undefined);
    await my.end();
  });

  const seed = () => {
    const r = spawnSync(process.execPath, [join(packageRoot, 'dist', 'examples', 'seed.js'), join(dir, 'config.yaml'), '--once'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status, `${r.stdout}${r.stderr}`).to.equal(0);
    return `${r.stdout}${r.stderr}`;
  };

  it('back-fills one hour, and a second run adds only what is new since the first', async () => {
    const started = Date.now();
    seed();
    const first = await pgCount();
    const firstMy = await myCount();
    // The example shop places 0.6 to 2.4 orders a second: an hour is thousands.
    expect(first.n).to.be.above(1500);
    expect(firstMy).to.be.above(1500);
    expect(started - first.oldest).to.be.within(3_590_000, 3_600_000 + 5_000);
    const output = seed();
    const second = await pgCount();
    const secondMy = await myCount();
    const seconds = (Date.now() - started) / 1000 + 1;
    expect(second.n - first.n, output).to.be.at.most(Math.ceil(3 * seconds));
    expect(secondMy - firstMy, output).to.be.at.most(Math.ceil(3 * seconds));
    expect(output).to.match(/wrote \d+ orders since its newest/);
  });
});
