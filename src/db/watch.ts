import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

/**
 * Calls `onChange` (debounced) whenever another process writes the database: inotify on
 * its directory, filtered to the file and its -wal/-journal companions. A slow safety
 * poll covers file systems without change events. Returns a function that stops it.
 */
export function watchDb(path: string, onChange: () => void, opts: { debounceMs?: number; safetyPollMs?: number } = {}): () => void {
  const file = resolve(path);
  const base = basename(file);
  let timer: NodeJS.Timeout | undefined;
  const fire = () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      onChange();
    }, opts.debounceMs ?? 10);
  };
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(file), { persistent: true }, (_event, name) => {
      if (name === null || String(name).startsWith(base)) fire();
    });
    watcher.on('error', () => undefined);
  } catch {
    watcher = undefined;
  }
  const poll = setInterval(fire, opts.safetyPollMs ?? (watcher ? 5000 : 1000));
  return () => {
    watcher?.close();
    clearInterval(poll);
    if (timer) clearTimeout(timer);
  };
}
