import Database from 'better-sqlite3';
import { UserError } from '../../core/errors.js';
import type { Db } from '../open.js';
import type { Migration } from './index.js';

/** A migration's `up`: the scripts (or functions) whose result on an empty file is the target. */
export type Step = Migration['up'];

interface Column {
  name: string;
  type: string;
  notnull: number;
  dflt_value: string | null;
  pk: number;
}

interface SchemaObject {
  type: string;
  name: string;
  tbl_name: string;
  sql: string | null;
}

/** What `reconcile` changed, for the caller's follow-up work and for tests. */
export interface Reconciled {
  tables: string[];
  /** "table.column" */
  columns: string[];
  indexes: string[];
  triggers: string[];
}

// A literal that ALTER TABLE ADD COLUMN accepts as a default on a table with rows.
const CONSTANT = /^(NULL|[-+]?\d+(\.\d+)?|'([^']|'')*'|X'[0-9A-Fa-f]*')$/i;

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
const normalise = (sql: string | null) =>
  (sql ?? '')
    .replace(/\s+/g, ' ')
    .replace(/\s*([(),])\s*/g, '$1')
    .trim()
    .toLowerCase();

/** The schema the given migrations make on an empty file, read back from an in-memory database. */
function referenceSchema(steps: Step[]): { objects: SchemaObject[]; columns: Map<string, Column[]>; kinds: Map<string, string> } {
  const ref = new Database(':memory:');
  try {
    for (const up of steps) {
      if (typeof up === 'string') ref.exec(up);
      else up(ref);
    }
    return readSchema(ref);
  } finally {
    ref.close();
  }
}

function readSchema(db: Db) {
  const kinds = new Map<string, string>();
  for (const t of db.pragma('table_list') as { schema: string; name: string; type: string }[]) {
    if (t.schema === 'main' && !t.name.startsWith('sqlite_')) kinds.set(t.name, t.type);
  }
  const objects = db.prepare(`SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY rowid`).all() as SchemaObject[];
  const columns = new Map<string, Column[]>();
  for (const [name, kind] of kinds) {
    if (kind === 'table') columns.set(name, db.pragma(`table_info(${quote(name)})`) as Column[]);
  }
  return { objects, columns, kinds };
}

function mismatch(table: string, column: string, why: string): UserError {
  return new UserError(
    `table ${table} of this database has no column ${column}, and agor cannot add it (${why})`,
    `the file was changed outside agor; compare it with: sqlite3 FILE '.schema ${table}'`,
  );
}

/**
 * Brings the file's schema up to what `steps` make on an empty file, keeping every row:
 * creates missing tables, virtual tables, indexes and triggers, and adds missing columns
 * with their defaults. A default the earlier tools rely on that ALTER TABLE cannot add
 * (`datetime('now')`) becomes a nullable column, filled now and by a trigger on insert,
 * so rows inserted without it still get it. Idempotent. Runs inside the migration's
 * transaction.
 */
export function reconcile(db: Db, steps: Step[]): Reconciled {
  const want = referenceSchema(steps);
  const have = readSchema(db);
  const done: Reconciled = { tables: [], columns: [], indexes: [], triggers: [] };
  const wantTables = want.objects.filter((o) => o.type === 'table' && (want.kinds.get(o.name) === 'table' || want.kinds.get(o.name) === 'virtual'));

  for (const t of wantTables) {
    const kind = have.kinds.get(t.name);
    const wanted = want.kinds.get(t.name)!;
    if (kind === undefined) {
      db.exec(t.sql!);
      if (wanted === 'virtual') db.exec(`INSERT INTO ${quote(t.name)}(${quote(t.name)}) VALUES ('rebuild')`);
      done.tables.push(t.name);
      continue;
    }
    if (kind !== wanted) {
      throw new UserError(
        `${t.name} in this database is a ${kind}, where agor expects a ${wanted === 'virtual' ? 'virtual table' : 'table'}`,
        `the file was changed outside agor; compare it with: sqlite3 FILE '.schema ${t.name}'`,
      );
    }
    if (wanted !== 'table') continue;
    const present = new Set(have.columns.get(t.name)!.map((c) => c.name.toLowerCase()));
    for (const c of want.columns.get(t.name)!) {
      if (present.has(c.name.toLowerCase())) continue;
      addColumn(db, t.name, c);
      done.columns.push(`${t.name}.${c.name}`);
    }
  }

  const names = new Set(have.objects.map((o) => o.name));
  const sqlOf = new Map(have.objects.map((o) => [o.name, o.sql]));
  for (const o of want.objects) {
    if (o.type !== 'index' || !o.sql) continue; // autoindexes have no SQL
    if (!names.has(o.name)) {
      db.exec(o.sql);
      done.indexes.push(o.name);
    } else if (normalise(sqlOf.get(o.name)!) !== normalise(o.sql)) {
      // An earlier tool made an index of this name on other columns; it keeps its
      // index (its queries may rely on it) and agor gets its own beside it.
      const alt = `agor_${o.name}`;
      if (!names.has(alt)) {
        db.exec(o.sql.replace(new RegExp(`^CREATE (UNIQUE )?INDEX ${o.name}\\b`, 'i'), (_m, u: string | undefined) => `CREATE ${u ?? ''}INDEX ${alt}`));
        done.indexes.push(alt);
      }
    }
  }
  const virtuals = [...want.kinds].filter(([, k]) => k === 'virtual').map(([n]) => n);
  const stale = new Set<string>();
  for (const o of want.objects) {
    if (o.type !== 'trigger' || names.has(o.name)) continue;
    db.exec(o.sql!);
    done.triggers.push(o.name);
    // A full-text index whose sync trigger was missing has missed rows: rebuild it.
    for (const v of virtuals) if (!done.tables.includes(v) && o.sql!.includes(`INSERT INTO ${v}(`)) stale.add(v);
  }
  for (const v of stale) db.exec(`INSERT INTO ${quote(v)}(${quote(v)}) VALUES ('rebuild')`);
  return done;
}

function addColumn(db: Db, table: string, c: Column): void {
  if (c.pk) throw mismatch(table, c.name, 'it is part of the primary key');
  const def = c.dflt_value;
  if (def === null || CONSTANT.test(def)) {
    if (c.notnull && def === null) throw mismatch(table, c.name, 'it is NOT NULL without a default');
    db.exec(`ALTER TABLE ${quote(table)} ADD COLUMN ${quote(c.name)} ${c.type}${c.notnull ? ' NOT NULL' : ''}${def !== null ? ` DEFAULT ${def}` : ''}`);
    return;
  }
  // ALTER TABLE refuses a non-constant default on a table with rows: fill it ourselves.
  db.exec(`ALTER TABLE ${quote(table)} ADD COLUMN ${quote(c.name)} ${c.type}`);
  db.exec(`UPDATE ${quote(table)} SET ${quote(c.name)} = (${def}) WHERE ${quote(c.name)} IS NULL`);
  db.exec(`CREATE TRIGGER IF NOT EXISTS ${quote(`${table}_${c.name}_default_ai`)} AFTER INSERT ON ${quote(table)}
    WHEN new.${quote(c.name)} IS NULL BEGIN
      UPDATE ${quote(table)} SET ${quote(c.name)} = (${def}) WHERE rowid = new.rowid;
    END`);
}

/**
 * The tables that have `column` in the schema `steps` make on an empty file, for error
 * messages (SQLite's "no such column" does not name the table).
 */
export function tablesWithColumn(column: string, steps: Step[]): string[] {
  const tables: string[] = [];
  for (const [table, cols] of referenceSchema(steps).columns) {
    if (cols.some((c) => c.name.toLowerCase() === column.toLowerCase())) tables.push(table);
  }
  return tables.sort();
}

/** ALTER TABLE ADD COLUMN for each `[table, "name TYPE ..."]` the table does not have yet. */
export function addColumns(db: Db, columns: [table: string, definition: string][]): void {
  for (const [table, definition] of columns) {
    const name = definition.split(/\s/, 1)[0]!;
    const present = (db.pragma(`table_info(${quote(table)})`) as Column[]).some((c) => c.name.toLowerCase() === name.toLowerCase());
    if (!present) db.exec(`ALTER TABLE ${quote(table)} ADD COLUMN ${definition}`);
  }
}
