import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/** The executable `cmd` names, as execvp would find it (a path, or a name on PATH); undefined when there is none. */
export function findExecutable(cmd: string, cwd: string, path = process.env.PATH ?? ''): string | undefined {
  const candidates = cmd.includes('/')
    ? [isAbsolute(cmd) ? cmd : resolve(cwd, cmd)]
    : path
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, cmd));
  return candidates.find((c) => {
    try {
      accessSync(c, constants.X_OK);
      return statSync(c).isFile();
    } catch {
      return false;
    }
  });
}
