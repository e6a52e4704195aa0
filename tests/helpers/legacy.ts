import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** tests/fixtures/legacy: the btmsg.db files the earlier programs left behind, as SQL. */
/** The tables the earlier btmsg/bttask tools made, whose names and columns agor keeps. */
export const LEGACY_TABLE_NAMES = [
  'agents',
  'contacts',
  'messages',
  'channels',
  'channel_members',
  'channel_messages',
  'tasks',
  'task_comments',
  'heartbeats',
  'dead_letter_queue',
  'audit_log',
  'seen_messages',
];

export const LEGACY_FIXTURES = resolve(import.meta.dirname, '..', 'fixtures', 'legacy');

/** An include line: `-- include: NAME.sql`, NAME relative to the file it stands in. */
const INCLUDE = /^-- include: (\S+)[ \t]*$/gm;

/**
 * A legacy fixture's SQL (a file in tests/fixtures/legacy, or a path relative to `dir`), with
 * each include line replaced by the named file's SQL, itself expanded the same way. The
 * variant files name, in order, the program steps (each written once in its own file) that made them.
 */
export function legacyFixture(file: string, dir: string = LEGACY_FIXTURES, seen: readonly string[] = []): string {
  const path = resolve(dir, file);
  if (seen.includes(path)) throw new Error(`legacy fixture includes itself: ${[...seen, path].join(' -> ')}`);
  return readFileSync(path, 'utf8').replace(INCLUDE, (_line, name: string) => legacyFixture(name, dirname(path), [...seen, path]));
}
