/**
 * The example shop's tables in PostgreSQL and MariaDB: created if missing, back-filled with an hour
 * of orders, then written to while the seed runs.
 */
import pg from 'pg';
import mysql from 'mysql2/promise';
import type { Order } from './shop.js';

/** A writer that stores orders and can be closed. */
export interface OrderSink {
  name: string;
  /** The time of the newest order stored (epoch ms), if any: a second seed back-fills only from there. */
  newest(): Promise<number | undefined>;
  write(orders: Order[]): Promise<void>;
  close(): Promise<void>;
}

/** A driver's answer for MAX(created_at): a Date, or null for an empty table. */
const epochOf = (value: unknown): number | undefined => (value instanceof Date ? value.getTime() : undefined);

const PG_SCHEMA = `
CREATE TABLE IF NOT EXISTS orders (
  id text PRIMARY KEY,
  created_at timestamptz NOT NULL,
  region text NOT NULL,
  total numeric(10, 2) NOT NULL,
  status text NOT NULL
);
CREATE INDEX IF NOT EXISTS orders_created_at ON orders (created_at);
CREATE OR REPLACE FUNCTION notify_orders_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('orders_changed', '');
  RETURN NULL;
END $$;
DROP TRIGGER IF EXISTS orders_changed ON orders;
CREATE TRIGGER orders_changed AFTER INSERT OR UPDATE OR DELETE ON orders
  FOR EACH STATEMENT EXECUTE FUNCTION notify_orders_changed();
`;

/** Creates the database if needed (connecting to `postgres` for that), then the table and its NOTIFY trigger. */
export async function postgresSink(url: string): Promise<OrderSink> {
  const target = new URL(url);
  const database = decodeURIComponent(target.pathname.slice(1)) || 'postgres';
  const admin = new pg.Client({ connectionString: Object.assign(new URL(url), { pathname: '/postgres' }).toString() });
  await admin.connect();
  try {
    const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  } finally {
    await admin.end();
  }
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  pool.on('error', () => undefined); // a dropped idle connection is replaced on the next write
  await pool.query(PG_SCHEMA);
  return {
    name: `PostgreSQL ${target.host}/${database}`,
    async newest() {
      return epochOf((await pool.query<{ t: Date | null }>('SELECT max(created_at) AS t FROM orders')).rows[0]?.t);
    },
    async write(orders) {
      if (orders.length === 0) return;
      const values: unknown[] = [];
      const rows = orders.map((o, i) => {
        values.push(o.id, new Date(o.createdAt), o.region, o.total, o.status);
        return `($${i * 5 + 1}, $${i * 5 + 2}, $${i * 5 + 3}, $${i * 5 + 4}, $${i * 5 + 5})`;
      });
      await pool.query(`INSERT INTO orders (id, created_at, region, total, status) VALUES ${rows.join(', ')} ON CONFLICT (id) DO NOTHING`, values);
    },
    close: () => pool.end(),
  };
}

/** Creates the database and table if needed in MariaDB or MySQL. */
export async function mysqlSink(url: string): Promise<OrderSink> {
  const target = new URL(url);
  const database = decodeURIComponent(target.pathname.slice(1)) || 'test';
  const admin = await mysql.createConnection({ host: target.hostname, port: Number(target.port || 3306), user: decodeURIComponent(target.username || 'root'), password: decodeURIComponent(target.password) });
  try {
    await admin.query(`CREATE DATABASE IF NOT EXISTS ${admin.escapeId(database)}`);
  } finally {
    await admin.end();
  }
  const pool = mysql.createPool({ host: target.hostname, port: Number(target.port || 3306), user: decodeURIComponent(target.username || 'root'), password: decodeURIComponent(target.password), database, connectionLimit: 2, timezone: 'Z' });
  await pool.query("SET time_zone = '+00:00'");
  await pool.query(`CREATE TABLE IF NOT EXISTS orders (
    id VARCHAR(32) PRIMARY KEY,
    created_at DATETIME(3) NOT NULL,
    region VARCHAR(16) NOT NULL,
    total DECIMAL(10, 2) NOT NULL,
    status VARCHAR(16) NOT NULL,
    INDEX orders_created_at (created_at)
  )`);
  return {
    name: `MariaDB ${target.host}/${database}`,
    async newest() {
      const [rows] = await pool.query('SELECT MAX(created_at) AS t FROM orders');
      return epochOf((rows as { t: Date | null }[])[0]?.t);
    },
    async write(orders) {
      if (orders.length === 0) return;
      const rows = orders.map((o) => [o.id, new Date(o.createdAt), o.region, o.total, o.status]);
      await pool.query('INSERT IGNORE INTO orders (id, created_at, region, total, status) VALUES ?', [rows]);
    },
    close: () => pool.end(),
  };
}
