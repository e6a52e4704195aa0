import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

// The project's own eslint.config.js, applied to code that exists only in the test: a file
// path decides which layer's rules apply, so nothing needs to be written to disk.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const eslint = new ESLint({ cwd: ROOT });

/** The rule ids ESLint reports for `code` as if it were the file at `filePath`. */
async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => m.ruleId ?? m.message);
}

const cases: { what: string; file: string; code: string; rule: string }[] = [
  {
    what: 'better-sqlite3 imported by src/msg',
    file: 'src/msg/x.ts',
    code: "import Database from 'better-sqlite3';\nexport const D = Database;\n",
    rule: 'no-restricted-imports',
  },
  { what: 'src/cli imported by src/db', file: 'src/db/x.ts', code: "export { color } from '../cli/color.js';\n", rule: 'no-restricted-imports' },
  {
    what: 'src/cli imported by a db migration',
    file: 'src/db/migrations/x.ts',
    code: "export { color } from '../../cli/color.js';\n",
    rule: 'no-restricted-imports',
  },
  { what: 'ink imported by src/supervisor', file: 'src/supervisor/x.ts', code: "export { Box } from 'ink';\n", rule: 'no-restricted-imports' },
  { what: 'react imported by src/commands', file: 'src/commands/agor/x.ts', code: "export { useState } from 'react';\n", rule: 'no-restricted-imports' },
  { what: 'ws imported by src/tui', file: 'src/tui/x.ts', code: "export { WebSocket } from 'ws';\n", rule: 'no-restricted-imports' },
  {
    what: 'src/commands imported by src/tui',
    file: 'src/tui/components/X.tsx',
    code: "export * from '../../commands/agor/index.js';\n",
    rule: 'no-restricted-imports',
  },
  { what: 'src/db imported by src/core', file: 'src/core/x.ts', code: "export { openDb } from '../db/open.js';\n", rule: 'no-restricted-imports' },
  { what: 'src/msg imported by src/db', file: 'src/db/x.ts', code: "export * from '../msg/messages.js';\n", rule: 'no-restricted-imports' },
  { what: 'src/supervisor imported by src/task (upward)', file: 'src/task/x.ts', code: "export * from '../supervisor/client.js';\n", rule: 'no-restricted-imports' },
  { what: 'src/db imported by a bin', file: 'bin/x.ts', code: "export { openDb } from '../src/db/open.js';\n", rule: 'no-restricted-imports' },
  {
    what: 'src/tui imported statically by src/commands (it must be loaded lazily)',
    file: 'src/commands/agor/x.ts',
    code: "export { runDashboard } from '../../tui/index.js';\n",
    rule: 'no-restricted-imports',
  },
  { what: 'console.log in src/task', file: 'src/task/x.ts', code: "export const f = () => console.log('hi');\n", rule: 'no-console' },
  {
    what: 'process.stdout.write in src/supervisor',
    file: 'src/supervisor/x.ts',
    code: "export const f = () => process.stdout.write('hi');\n",
    rule: 'no-restricted-syntax',
  },
  { what: 'process.stderr.write in src/db', file: 'src/db/x.ts', code: "export const f = () => process.stderr.write('hi');\n", rule: 'no-restricted-syntax' },
];

const allowed: { what: string; file: string; code: string }[] = [
  { what: 'better-sqlite3 imported by src/db', file: 'src/db/x.ts', code: "import Database from 'better-sqlite3';\nexport const D = Database;\n" },
  { what: 'src/core imported by src/db', file: 'src/db/migrations/x.ts', code: "export { usage } from '../../core/errors.js';\n" },
  { what: 'src/cli imported by src/commands', file: 'src/commands/btmsg/x.ts', code: "export { color } from '../../cli/color.js';\n" },
  { what: 'src/tui imported by src/commands', file: 'src/commands/agor/x.ts', code: "export const load = () => import('../../tui/index.js');\n" },
  { what: 'ink imported by src/tui', file: 'src/tui/components/X.tsx', code: "export { Box } from 'ink';\n" },
  { what: 'ink imported by the dashboard tests', file: 'tests/unit/tui/x.test.ts', code: "export type { Key } from 'ink';\n" },
  { what: 'src/msg and src/db imported by src/task', file: 'src/task/x.ts', code: "export * from '../msg/messages.js';\nexport * from '../db/tasks.js';\n" },
  {
    what: 'src/cli and src/commands imported by a bin',
    file: 'bin/x.ts',
    code: "export { runCli } from '../src/cli/run.js';\nexport * from '../src/commands/agor/index.js';\n",
  },
  { what: 'console.log in src/commands', file: 'src/commands/agor/x.ts', code: "export const f = () => console.log('hi');\n" },
  { what: 'process.stdout.write in src/cli', file: 'src/cli/x.ts', code: "export const f = () => process.stdout.write('hi');\n" },
];

describe('the lint enforces the layers', () => {
  test.each(cases)('reports $what', async ({ file, code, rule }) => {
    expect(await problems(file, code)).toContain(rule);
  });

  test.each(allowed)('allows $what', async ({ file, code }) => {
    expect(await problems(file, code)).toEqual([]);
  });
});
