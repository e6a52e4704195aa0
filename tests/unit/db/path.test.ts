import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataDir, resolveDbPath } from '../../../src/db/path.js';

describe('resolveDbPath', () => {
  const env = { AGOR_DB: '/srv/team/agor.db', XDG_DATA_HOME: '/data' };

  it('prefers --db over AGOR_DB', () => {
    expect(resolveDbPath('/tmp/mine.db', env)).toEqual({ path: '/tmp/mine.db', isDefault: false });
  });

  it('uses AGOR_DB when --db is not given or empty', () => {
    expect(resolveDbPath(undefined, env)).toEqual({ path: '/srv/team/agor.db', isDefault: false });
    expect(resolveDbPath('', env)).toEqual({ path: '/srv/team/agor.db', isDefault: false });
  });

  it('falls back to agor/agor.db under XDG_DATA_HOME', () => {
    expect(resolveDbPath(undefined, { XDG_DATA_HOME: '/data' })).toEqual({ path: '/data/agor/agor.db', isDefault: true });
  });

  it('ignores an empty AGOR_DB', () => {
    expect(resolveDbPath(undefined, { AGOR_DB: '', XDG_DATA_HOME: '/data' }).path).toBe('/data/agor/agor.db');
  });
});

describe('dataDir', () => {
  it('is ~/.local/share/agor when XDG_DATA_HOME is unset', () => {
    expect(dataDir({})).toBe(join(homedir(), '.local', 'share', 'agor'));
  });

  it('ignores a relative XDG_DATA_HOME, as the XDG spec requires', () => {
    expect(dataDir({ XDG_DATA_HOME: 'relative/dir' })).toBe(join(homedir(), '.local', 'share', 'agor'));
  });
});
