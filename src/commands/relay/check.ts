import { color } from '../../cli/color.js';
import { emit } from '../../cli/output.js';
import { type DirArgs, type Verb, dbPathOf, dirOf, dirOptions } from './shared.js';

export const check: Verb<DirArgs> = {
  command: 'check',
  describe: 'Check the certificate, key, token storage and database without serving (also --check); exit 0 all good, 1 otherwise',
  builder: (y) => dirOptions(y),
  handler: async (argv) => {
    const { checkRelay } = await import('../../relay/check.js');
    const findings = await checkRelay({ dir: await dirOf(argv), dbPath: await dbPathOf(argv), prefer: argv.tokenFile ? 'file' : undefined });
    const ok = findings.every((f) => f.ok);
    emit(argv.json, { ok, findings }, (r) => {
      const c = color();
      return r.findings.flatMap((f) => [`${f.ok ? c.green('ok  ') : c.red('FAIL')} ${f.what}: ${f.message}`, ...(f.hint ? [c.dim(`     hint: ${f.hint}`)] : [])]);
    });
    if (!ok) process.exitCode = 1;
  },
};
