/**
 * Every comment and quoting form of PostgreSQL and MySQL/MariaDB, each placed before a named parameter: the
 * parameter after it must bind (and a `:other` inside it must not), or every later parameter shifts by one.
 * The data-source tests run each case against their real server (plugins/postgres, plugins/mysql).
 */

/** One form: `SELECT <form> AS a, :region AS r` must answer r = the bound value. */
export interface DialectCase {
  name: string;
  sql: string;
}

const around = (form: string) => `SELECT ${form} AS a, :region AS r`;

const SHARED: DialectCase[] = [
  { name: "a string with a doubled quote", sql: around("'it''s :other'") },
  { name: 'a -- comment', sql: `SELECT 'x' AS a -- :other\n, :region AS r` },
  { name: 'a /* */ comment', sql: `SELECT 'x' /* :other */ AS a, :region AS r` },
  { name: 'a cast-free colon in a string', sql: around("'10:30 :other'") },
];

/** The cases for one dialect. */
export function dialectCases(dialect: 'postgres' | 'mysql'): DialectCase[] {
  if (dialect === 'postgres') {
    return [
      ...SHARED,
      { name: 'a standard string ending in a backslash', sql: around("'\\'") },
      { name: "an E'' string with a backslash-escaped quote", sql: around("E'it\\'s :other'") },
      { name: 'a "quoted identifier"', sql: `SELECT 'x' AS "a:other", :region AS r` },
      { name: 'a $$ body', sql: around('$$ :other $$') },
      { name: 'a $tag$ body holding $$', sql: around('$fn$ :other $$ :other $fn$') },
      { name: 'nested /* /* */ */ comments', sql: `SELECT 'x' /* :other /* :other */ :other */ AS a, :region AS r` },
      { name: 'a -- comment with no space', sql: `SELECT 'x' AS a --:other\n, :region AS r` },
      { name: 'a :: cast', sql: `SELECT '1'::int AS a, :region::text AS r` },
      { name: 'an array slice', sql: `SELECT (ARRAY[1,2,3])[1:2] AS a, :region AS r` },
    ];
  }
  return [
    ...SHARED,
    { name: 'a # comment', sql: `SELECT 'x' AS a # :other\n, :region AS r` },
    { name: 'a backslash-escaped quote', sql: around("'it\\'s :other'") },
    { name: 'a "double-quoted string"', sql: around('"dq \\" :other"') },
    { name: 'a `quoted identifier`', sql: 'SELECT \'x\' AS `a:other`, :region AS r' },
    { name: 'dashes with no space (arithmetic, not a comment)', sql: 'SELECT 1--1 AS a, :region AS r' },
    { name: 'an executable /*! */ comment', sql: "SELECT 'x' AS a /*!, :region */ AS r" },
  ];
}
