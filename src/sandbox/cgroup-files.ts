/** Reading, writing, making and removing cgroup files and directories, with errors that name them. */
import { mkdirSync, readFileSync, readdirSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const errText = (err: unknown): string => (err as NodeJS.ErrnoException).code ?? (err as Error).message;

/** An Error saying what failed, with the system's error as its cause. */
const failure = (what: string, err: unknown): Error => new Error(`${what}: ${errText(err)}`, { cause: err });

/** Throws unless `name` can be one path component of a cgroup (no `/`, not `.` or `..`). */
export function checkCgroupName(what: string, name: string): void {
  if (!/^[A-Za-z0-9_@+-][A-Za-z0-9._@+-]{0,127}$/.test(name)) {
    throw new Error(`cgroup ${what} name ${JSON.stringify(name)} is not usable: letters, digits and . _ @ + - only, not starting with a dot, at most 128`);
  }
}

export function read(file: string): string | null {
  try {
    return readFileSync(file, 'latin1');
  } catch {
    return null;
  }
}

/** The number on line `key N` of a flat-keyed cgroup file (memory.events, pids.events, …); 0 when absent. */
export function counter(file: string, key: string): number {
  const m = new RegExp(`^${key} (\\d+)$`, 'm').exec(read(file) ?? '');
  return m ? Number(m[1]) : 0;
}

export function write(file: string, value: string): void {
  try {
    writeFileSync(file, value);
  } catch (err) {
    throw failure(`cannot write ${JSON.stringify(value)} to ${file}`, err);
  }
}

/** Makes `dir` unless it is there; a non-directory in its place (an interface file) is refused. */
export function ensureDir(dir: string): void {
  try {
    mkdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw failure(`cannot create cgroup ${dir}`, err);
    if (!statSync(dir).isDirectory()) throw new Error(`cannot create cgroup ${dir}: a cgroup file has that name; choose another`, { cause: err });
  }
}

/** Enables `controllers` for the children of v2 cgroup `dir`, those not enabled yet. */
export function enableControllers(dir: string, controllers: string[]): void {
  const on = (read(join(dir, 'cgroup.subtree_control')) ?? '').split(/\s+/);
  const missing = controllers.filter((c) => !on.includes(c));
  if (missing.length) write(join(dir, 'cgroup.subtree_control'), missing.map((c) => `+${c}`).join(' '));
}

/** rmdir of `dir` and the cgroups under it, deepest first; false when one still has members (EBUSY). */
export function removeTree(dir: string): boolean {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw failure(`cannot list cgroup ${dir}`, err);
  }
  let ok = true;
  for (const e of entries) if (e.isDirectory() && !removeTree(join(dir, e.name))) ok = false;
  try {
    rmdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EBUSY' || code === 'ENOTEMPTY') return false;
    if (code !== 'ENOENT') throw failure(`cannot remove cgroup ${dir}`, err);
  }
  return ok;
}

/** rmdir of `dir` if it is an empty cgroup; anything else (members, children, gone) is left as it is. */
export function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    /* not empty, or not there */
  }
}

/** Pids listed in cgroup.procs of `dir` and of the cgroups under it. */
export function procsOf(dir: string, into: Set<number>): void {
  for (const w of (read(join(dir, 'cgroup.procs')) ?? '').split('\n')) if (w) into.add(Number(w));
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) if (e.isDirectory()) procsOf(join(dir, e.name), into);
}
