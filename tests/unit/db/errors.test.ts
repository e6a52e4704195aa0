import { describe, expect, it } from 'vitest';
import { Exit } from '../../../src/core/errors.js';
import { busyError, isBusy, translateDbError } from '../../../src/db/errors.js';

const sqliteError = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('translateDbError', () => {
  it('turns every flavour of a busy or locked database into the busy exit code', () => {
    for (const code of ['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_LOCKED']) {
      const err = translateDbError(sqliteError(code), '/x/agor.db');
      expect(err?.code, code).toBe(Exit.BUSY);
      expect(err?.message).toBe('database is locked (/x/agor.db): another process kept it busy for longer than the busy timeout');
      expect(err?.hint).toMatch(/AGOR_BUSY_TIMEOUT/);
    }
  });

  it('tells a lock held by another connection from every other error', () => {
    for (const code of ['SQLITE_BUSY', 'SQLITE_BUSY_RECOVERY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_LOCKED']) expect(isBusy(sqliteError(code)), code).toBe(true);
    for (const e of [sqliteError('SQLITE_READONLY'), sqliteError('SQLITE_CONSTRAINT'), new Error('x'), undefined, 'SQLITE_BUSY']) expect(isBusy(e)).toBe(false);
  });

  it('says how long a writer waited before it gave up, with the busy exit code', () => {
    const err = busyError(61_234, '/x/agor.db');
    expect(err.code).toBe(Exit.BUSY);
    expect(err.message).toBe("database is locked (/x/agor.db): waited 61.2 s for other processes' writes to finish");
    expect(err.hint).toMatch(/AGOR_BUSY_TIMEOUT/);
  });

  it('names read-only, unopenable, foreign, corrupt and full databases in one line each', () => {
    expect(translateDbError(sqliteError('SQLITE_READONLY_DBMOVED'))?.message).toBe('database is read-only');
    expect(translateDbError(sqliteError('SQLITE_CANTOPEN'))?.message).toBe('cannot open database');
    expect(translateDbError(sqliteError('SQLITE_NOTADB'))?.message).toMatch(/^not an SQLite database; refusing to touch it/);
    expect(translateDbError(sqliteError('SQLITE_CORRUPT'))?.message).toBe('database is corrupt');
    expect(translateDbError(sqliteError('SQLITE_FULL'))?.message).toMatch(/^disk full/);
    expect(translateDbError(sqliteError('SQLITE_IOERR_WRITE', 'disk I/O error'))?.message).toBe('I/O error on the database: disk I/O error');
  });

  it('leaves errors that are bugs alone, so they print their stack', () => {
    expect(translateDbError(sqliteError('SQLITE_CONSTRAINT_PRIMARYKEY'))).toBeUndefined();
    expect(translateDbError(sqliteError('SQLITE_ERROR', 'near "SELEC": syntax error'))).toBeUndefined();
    expect(translateDbError(new TypeError('x is undefined'))).toBeUndefined();
    expect(translateDbError('a string')).toBeUndefined();
  });

  it('names the table and the column of a schema that does not match, with a hint, for any statement', () => {
    const insert = translateDbError(sqliteError('SQLITE_ERROR', 'table messages has no column named sender_group_id'), '/x/agor.db');
    expect(insert?.code).toBe(Exit.FAILURE);
    expect(insert?.message).toBe('database schema mismatch (/x/agor.db): table messages has no column sender_group_id');
    expect(insert?.hint).toMatch(/sqlite3 FILE '\.schema messages'/);
    // SQLite does not name the table here: the schema agor makes does.
    expect(translateDbError(sqliteError('SQLITE_ERROR', 'no such column: version'))?.message).toBe('database schema mismatch: table tasks has no column version');
    expect(translateDbError(sqliteError('SQLITE_ERROR', 'no such column: m.sender_group_id'))?.message).toBe(
      'database schema mismatch: table messages has no column sender_group_id',
    );
    expect(translateDbError(sqliteError('SQLITE_ERROR', 'no such column: flags'))?.message).toBe(
      'database schema mismatch: one of the tables channel_messages, dead_letter_queue, messages, wakes has no column flags',
    );
    expect(translateDbError(sqliteError('SQLITE_ERROR', 'no such column: bogus'))?.message).toBe('database schema mismatch: no column bogus');
    expect(translateDbError(sqliteError('SQLITE_ERROR', 'no such table: heartbeats'))?.message).toBe('database schema mismatch: table heartbeats is missing');
  });

  it("explains a foreign key failure as the earlier tools' schema, which agor's own tables do not have", () => {
    const err = translateDbError(sqliteError('SQLITE_CONSTRAINT_FOREIGNKEY', 'FOREIGN KEY constraint failed'));
    expect(err?.code).toBe(Exit.FAILURE);
    expect(err?.message).toMatch(/^database refused the change: a foreign key of a table the earlier btmsg\/bttask tools made/);
    expect(err?.hint).toMatch(/registered agent/);
  });
});
