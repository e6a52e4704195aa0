// Builds each binary in bin/ into dist/: one CommonJS bundle, a start-up shim, and a
// V8 code cache. Measured on this project: the CommonJS bundle starts ~15% faster than
// an ESM one (no module graph to link), and the code cache saves a further ~7%.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// yargs' ESM build gives cliui a wrap() that breaks lines mid-word (yargs/yargs#2112);
// its CommonJS build wraps on word boundaries with wrap-ansi. Use that one for --help.
const wordWrappingCliui = {
  name: 'word-wrapping-cliui',
  setup(b) {
    b.onResolve({ filter: /^cliui$/ }, () => ({ path: join(process.cwd(), 'node_modules/cliui/build/index.cjs') }));
  },
};

// chalk's bundled supports-color guesses a level at import, loading node:tty (and with
// it node:net and the streams): ~2 ms of every short verb. src/cli/color.ts decides the
// level itself and never reads chalk's guess, so the short binaries get a stub.
const noColorGuess = {
  name: 'no-color-guess',
  setup(b) {
    b.onResolve({ filter: /^#supports-color$/ }, () => ({ path: 'supports-color', namespace: 'no-color-guess' }));
    b.onLoad({ filter: /.*/, namespace: 'no-color-guess' }, () => ({ contents: 'export default { stdout: false, stderr: false };', loader: 'js' }));
  },
};

// better-sqlite3's JavaScript, bundled, starts ~6 ms faster than required from
// node_modules (a dozen files resolved, read and compiled without the code cache) and
// than found by its addon finder, \`bindings\`, which tries paths until one loads. Its
// native addon still comes from the installed package, and only when that package is
// the version bundled here; any other install is required as before.
const sqliteVersion = JSON.parse(readFileSync('node_modules/better-sqlite3/package.json', 'utf8')).version;
const SQLITE_LOADER = `import bundled from 'better-sqlite3/lib/index.js';
const { dirname, join } = require('node:path');
const { existsSync, readFileSync } = require('node:fs');
let picked;
function pick() {
  try {
    const manifest = require.resolve('better-sqlite3/package.json');
    const addon = join(dirname(manifest), 'build', 'Release', 'better_sqlite3.node');
    if (JSON.parse(readFileSync(manifest, 'utf8')).version === ${JSON.stringify(sqliteVersion)} && existsSync(addon)) return { Database: bundled, addon };
  } catch {}
  return { Database: require('better-sqlite3'), addon: undefined };
}
export default function Database(path, options) {
  picked ??= pick();
  return new picked.Database(path, picked.addon ? { ...options, nativeBinding: picked.addon } : options);
}
`;
const bundledSqlite = {
  name: 'bundled-sqlite',
  setup(b) {
    b.onResolve({ filter: /^better-sqlite3$/ }, (args) =>
      args.namespace === 'bundled-sqlite' ? { path: 'better-sqlite3', external: true } : { path: 'loader', namespace: 'bundled-sqlite' },
    );
    b.onLoad({ filter: /.*/, namespace: 'bundled-sqlite' }, () => ({ contents: SQLITE_LOADER, loader: 'js', resolveDir: process.cwd() }));
  },
};

// The dashboard is an ES module of its own (Ink's layout engine loads with a top-level
// await, which a CommonJS bundle cannot hold): agor imports dist/tui.mjs only when it
// shows the dashboard, so no other verb loads Ink or React. The import goes through a
// small real CommonJS module, because import() inside a script run from V8's code cache
// finds no module loader (Node 20).
const dashboardApart = {
  name: 'dashboard-apart',
  setup(b) {
    b.onResolve({ filter: /\/tui\/index\.js$/ }, () => ({ path: 'tui', namespace: 'dashboard-apart' }));
    b.onLoad({ filter: /.*/, namespace: 'dashboard-apart' }, () => ({
      contents: "export const runDashboard = async (o) => (await require('./esm-import.cjs')('./tui.mjs')).runDashboard(o);",
      loader: 'js',
    }));
    b.onResolve({ filter: /^\.\/esm-import\.cjs$/ }, () => ({ path: './esm-import.cjs', external: true }));
  },
};
// The OpenTelemetry SDK is a bundle of its own too (dist/otel.cjs): the supervisor requires it
// only when an OTLP endpoint is configured, so no other verb and no other binary carries it.
const otelApart = {
  name: 'otel-apart',
  setup(b) {
    b.onResolve({ filter: /\/otel\.js$/ }, (args) => (args.importer.includes('/src/supervisor/') ? { path: 'otel', namespace: 'otel-apart' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'otel-apart' }, () => ({
      contents: "export const startOtel = (o) => require('./otel.cjs').startOtel(o);",
      loader: 'js',
    }));
    b.onResolve({ filter: /^\.\/otel\.cjs$/ }, () => ({ path: './otel.cjs', external: true }));
  },
};
// Ink measures every text node of every frame with string-width, which runs each string
// through Intl.Segmenter: a third of an idle dashboard's CPU. Ink is bundled into
// dist/tui.mjs, and every string-width it imports answers printable ASCII itself
// (src/tui/ascii-width.ts), handing anything else to the real one.
const asciiWidth = {
  name: 'ascii-width',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.namespace === 'ascii-width') return undefined;
      const real = await b.resolve('string-width', { resolveDir: args.resolveDir, kind: args.kind, namespace: 'ascii-width' });
      if (real.errors.length) return { errors: real.errors };
      return { path: real.path, namespace: 'ascii-width' };
    });
    // Ink imports its React DevTools hook (and react-devtools-core, not installed) only when
    // DEV=true; left out of the bundle, that import fails the way Ink expects and reports.
    b.onResolve({ filter: /^\.\/devtools\.js$/ }, (args) => (args.importer.includes('/node_modules/ink/') ? { path: './devtools.js', external: true } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'ascii-width' }, (args) => ({
      contents: `import real from ${JSON.stringify(args.path)};\nimport { withAsciiFastPath } from ${JSON.stringify(join(process.cwd(), 'src/tui/ascii-width.ts'))};\nexport default withAsciiFastPath(real);\n`,
      loader: 'js',
      resolveDir: process.cwd(),
    }));
  },
};
const ESM_IMPORT = `'use strict';
// import() from a real CommonJS module, for bundles run through the code cache.
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');
module.exports = (spec) => import(pathToFileURL(join(__dirname, spec)).href);
`;

const names = process.argv.slice(2).length
  ? process.argv.slice(2)
  : readdirSync('bin')
      .filter((f) => f.endsWith('.ts'))
      .map((f) => f.slice(0, -3));
// Build beside dist/ and swap it in at the end, so a running test never sees it half-made.
const out = 'dist.new';
rmSync(out, { recursive: true, force: true });
const shim = readFileSync('scripts/loader.cjs', 'utf8');
const version = JSON.parse(readFileSync('package.json', 'utf8')).version;

// What every bundle shares: Node 20, minified whitespace and syntax, no legal comments.
const NODE_BUNDLE = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
};

for (const name of names) {
  await build({
    entryPoints: [`bin/${name}.ts`],
    outfile: `${out}/${name}.bundle.cjs`,
    ...NODE_BUNDLE,
    format: 'cjs',
    banner: { js: '' },
    define: { 'process.env.AGOR_VERSION': JSON.stringify(version) },
    // Its loader picks the platform's prebuilt addon package at run time.
    external: ['@napi-rs/keyring'],
    plugins: [wordWrappingCliui, dashboardApart, otelApart, noColorGuess, bundledSqlite],
  });
  // The bundle runs inside the shim's wrapper; drop the entry's shebang line.
  const bundlePath = `${out}/${name}.bundle.cjs`;
  writeFileSync(bundlePath, readFileSync(bundlePath, 'utf8').replace(/^#!.*\n/, ''));
  writeFileSync(`${out}/${name}.cjs`, shim.replaceAll('__NAME__', name));
  chmodSync(`${out}/${name}.cjs`, 0o755);
}

writeFileSync(`${out}/esm-import.cjs`, ESM_IMPORT);
await build({
  entryPoints: ['src/supervisor/otel.ts'],
  outfile: `${out}/otel.cjs`,
  ...NODE_BUNDLE,
  format: 'cjs',
  define: { 'process.env.AGOR_VERSION': JSON.stringify(version) },
});
await build({
  entryPoints: ['src/tui/index.tsx'],
  outfile: `${out}/tui.mjs`,
  ...NODE_BUNDLE,
  format: 'esm',
  jsx: 'automatic',
  external: ['better-sqlite3', '@napi-rs/keyring'],
  plugins: [asciiWidth],
  // CommonJS dependencies bundled into an ES module still call require().
  banner: { js: "import { createRequire as __agorRequire } from 'node:module'; const require = __agorRequire(import.meta.url);" },
  // React's production build, chosen when bundling: the development one costs an idle
  // dashboard ~20% more CPU, and the bundle holds only the one it runs.
  define: { 'process.env.AGOR_VERSION': JSON.stringify(version), 'process.env.NODE_ENV': '"production"' },
});

// The sandbox helper (native/agor-sandbox.c) is C: Node cannot run code between fork and
// exec, where Landlock and seccomp must be applied. Built with the system compiler, and a
// build without one fails here, by name, rather than leaving agents unsandboxed later.
try {
  execFileSync(process.env.CC || 'cc', ['-O2', '-Wall', '-Wextra', '-Werror', '-std=c11', '-o', `${out}/agor-sandbox`, 'native/agor-sandbox.c'], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
} catch (e) {
  const why = e.code === 'ENOENT' ? `no C compiler '${process.env.CC || 'cc'}' on PATH` : 'the compiler failed (above)';
  console.error(`npm run build: cannot build the sandbox helper native/agor-sandbox.c: ${why}\n  install one (Debian: apt-get install gcc) or set CC`);
  process.exit(1);
}

// Warm each binary once on a scratch database so the cache holds the common path.
const scratch = mkdtempSync(join(tmpdir(), 'agor-build-'));
try {
  for (const name of names) {
    const warm = { btmsg: ['inbox', '--json'], bttask: ['list', '--json'] }[name] ?? ['--help'];
    execFileSync(process.execPath, [`${out}/${name}.cjs`, ...warm], {
      env: { ...process.env, AGOR_BUILD_CODE_CACHE: '1', AGOR_DB: join(scratch, 'warm.db'), BTMSG_AGENT_ID: 'admin' },
      stdio: 'ignore',
    });
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
rmSync('dist.old', { recursive: true, force: true });
try {
  renameSync('dist', 'dist.old');
} catch {
  // first build
}
renameSync(out, 'dist');
rmSync('dist.old', { recursive: true, force: true });
