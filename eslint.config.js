// Lint for agor: typescript-eslint's recommended rules, Prettier's layout (eslint-config-prettier
// turns off what would fight it), and the layers of ARCHITECTURE.md made mechanical.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/**
 * The folders of src/, top to bottom, and what each may import. Folders import downward
 * only: bin -> commands -> domain (tui -> supervisor -> task -> msg) -> db -> core; src/cli is
 * plumbing for bin and the commands. sandbox, secrets and relay are listed before they
 * exist so that nothing below them can reach up into them.
 */
const MAY_IMPORT = {
  commands: ['cli', 'tui', 'relay', 'supervisor', 'sandbox', 'secrets', 'task', 'msg', 'db', 'core'],
  cli: ['msg', 'db', 'core'],
  relay: ['supervisor', 'secrets', 'task', 'msg', 'db', 'core'],
  tui: ['relay', 'supervisor', 'task', 'msg', 'db', 'core'],
  supervisor: ['sandbox', 'secrets', 'task', 'msg', 'db', 'core'],
  sandbox: ['db', 'core'],
  secrets: ['db', 'core'],
  task: ['msg', 'db', 'core'],
  msg: ['db', 'core'],
  db: ['core'],
  core: [],
};
const FOLDERS = Object.keys(MAY_IMPORT);

/** Packages that belong to one folder: the only place allowed to import them. */
const PACKAGES = [
  { folder: 'db', regex: '^better-sqlite3$', message: 'SQL and better-sqlite3 live only in src/db: call a function of src/db instead.' },
  {
    folder: 'tui',
    regex: '^(ink|ink-.+|react|react/.+|react-dom)$',
    message: 'Ink and React live only in src/tui: a command imports src/tui lazily, inside its handler.',
  },
  { folder: 'relay', regex: '^ws$', message: 'ws lives only in src/relay.' },
];

const pattern = ({ regex, message }) => ({ regex, message });
const upward = (folder) => FOLDERS.filter((f) => f !== folder && !MAY_IMPORT[folder].includes(f));

/**
 * no-restricted-imports for the files of one folder (null: bin, which sits above src/).
 * Imports are relative, so a folder is matched by name after the ../ that leave the
 * importer's folder; no subfolder of src/ shares a name with a top-level one.
 */
function importRules(folder) {
  const patterns = [];
  if (folder === null) {
    patterns.push({
      regex: '^\\.\\./src/(?!(cli|commands|core)/)',
      message: 'A bin hands argv to src/commands (through src/cli); it imports nothing else of src/.',
    });
  } else {
    const banned = upward(folder);
    if (banned.length) {
      patterns.push({
        regex: `^(\\.\\./)+(${banned.join('|')})/`,
        message: `src/${folder} imports downward only (${MAY_IMPORT[folder].join(', ') || 'nothing else in src/'}): bin -> commands -> tui -> supervisor -> task -> msg -> db -> core.`,
      });
    }
  }
  if (folder === 'commands') {
    // no-restricted-imports sees static imports only, which is the point: import() stays allowed.
    patterns.push({
      regex: '^(\\.\\./)+tui/',
      message: 'src/commands loads src/tui lazily, with await import() inside the handler: --help must not load Ink and React.',
    });
  }
  for (const p of PACKAGES) if (p.folder !== folder) patterns.push(pattern(p));
  return { 'no-restricted-imports': ['error', { patterns }] };
}

/** The domain and below return data; only bin, src/commands and src/cli (and Ink, in src/tui) write to the terminal. */
const NO_PRINTING = {
  'no-console': 'error',
  'no-restricted-syntax': [
    'error',
    {
      selector: "MemberExpression[object.object.name='process'][object.property.name=/^(stdout|stderr)$/][property.name='write']",
      message: 'The domain never prints: return the data and let src/commands write it.',
    },
  ],
};

const SOURCES = '**/*.{ts,tsx,js,mjs,cjs}';

export default defineConfig(
  globalIgnores(['dist/', 'dist.new/', 'dist.old/', 'bench/.data/', 'man/', 'examples/', 'tests/fixtures/']),
  { files: [SOURCES], extends: [js.configs.recommended, ...tseslint.configs.recommended] },
  {
    files: [SOURCES],
    languageOptions: { globals: { ...globals.node } },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // `if (x) (a = 1), f();` is the house style for a one-line branch with two effects, and
      // TypeScript already rejects a comma whose left side does nothing (TS2695); a statement
      // with no effect at all (`x;`) goes unreported, the price of keeping the style.
      '@typescript-eslint/no-unused-expressions': 'off',
      // `_name` marks a parameter a signature needs but the body does not (handlers, callbacks).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  // A test walks a screen at a time and keeps each screen it reaches, read or not.
  { files: ['tests/**'], rules: { 'no-useless-assignment': 'off' } },
  { files: ['**/*.cjs'], languageOptions: { sourceType: 'commonjs' }, rules: { '@typescript-eslint/no-require-imports': 'off' } },
  { files: ['bin/**'], rules: importRules(null) },
  ...FOLDERS.map((folder) => ({ files: [`src/${folder}/**`], rules: importRules(folder) })),
  { files: ['src/{db,core,msg,task,supervisor}/**'], rules: NO_PRINTING },
  {
    files: ['tests/**'],
    ignores: ['tests/unit/tui/**'],
    rules: { 'no-restricted-imports': ['error', { patterns: PACKAGES.filter((p) => p.folder === 'tui').map(pattern) }] },
  },
  prettier,
);
