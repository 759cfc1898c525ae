/**
 * Fault matrix, "MariaDB restarts": a watched table widget on a private MariaDB that crashes (SIGKILL) and is
 * started again, recovering its tables. The machine's own MariaDB is never touched.
 */
import mysql from 'mysql2/promise';
import { usePrivateMariadb } from '../support/private-mariadb.js';
import { restartRow } from '../support/restart-row.js';

describe('fault: MariaDB restarts under a watched dashboard', function () {
  const server = usePrivateMariadb();
  restartRow({
    server,
    outage: 'kill',
    source: (url) => ({ type: 'mysql', options: { url, connect_timeout: '1s' }, timeoutMs: 2000 }),
    query: 'SELECT id, note FROM fault_rows ORDER BY id',
    async write(url, ids) {
      const conn = await mysql.createConnection({ uri: url });
      try {
        await conn.query('CREATE TABLE IF NOT EXISTS fault_rows (id int PRIMARY KEY, note text NOT NULL)');
        for (const id of ids) await conn.query('INSERT INTO fault_rows VALUES (?, ?)', [id, `row ${id}`]);
      } finally {
        await conn.end();
      }
    },
    ids: (rows) => rows.map((r) => Number(r['id'])),
  });
});
