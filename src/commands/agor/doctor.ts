import { color } from '../../cli/color.js';
import { emit } from '../../cli/output.js';
import { showControls } from '../../core/text.js';
import type { DoctorReport } from '../../supervisor/doctor.js';
import { type FileArgs, type Verb, dbPathOf, fileOption } from './shared.js';

/** "on (via notify-send, server dunst)" or "off (no session bus)". */
function notificationsLine(n: DoctorReport['notifications'], c: ReturnType<typeof color>): string {
  if (!n.on) return c.yellow(`off (${showControls(n.why ?? 'unknown')})`);
  return c.green(`on (via ${n.via}${n.server ? `, server ${showControls(n.server)}` : ''})`);
}

/** The report as one screen: the machine, the database, then each agent. */
function render(r: DoctorReport): string[] {
  const c = color();
  const yes = (b: boolean, y = 'yes', n = 'no') => (b ? c.green(y) : c.red(n));
  const k = r.kernel;
  const cg = r.cgroups;
  const lines = [
    c.bold('machine'),
    `  kernel           ${k.release}`,
    `  landlock         ${k.landlock_abi ? c.green(`ABI ${k.landlock_abi}`) : c.red(`none (${k.landlock_unavailable ?? 'unknown'})`)}${k.landlock_abi ? `, network rules ${yes(k.landlock_net)}` : ''}`,
    `  seccomp filter   ${yes(k.seccomp_filter)}`,
    `  sandbox helper   ${r.helper.path ? `${showControls(r.helper.path)} (${yes(r.helper.works, 'works', 'does not run')})` : c.red('missing: run npm run build')}`,
    `  cgroups          ${cg.version === 'none' ? c.yellow(`none (${cg.why ?? 'not offered'}): process groups only`) : `${cg.version}: memory ${cg.memory ?? c.yellow('no')}, pids ${cg.pids ?? c.yellow('no')}, kill by ${cg.kill}`}`,
    `  notifications    ${notificationsLine(r.notifications, c)}`,
    `  other users      ${r.users.run_as_other_users ? c.green('yes (running as root)') : `no (uid ${r.users.euid}; user: needs root)`}`,
    c.bold('database'),
    `  sqlite           ${r.sqlite.version}, WAL ${r.sqlite.wal ? c.green('works') : c.red(`fails (${r.sqlite.wal_problem ?? '?'})`)}`,
    `  file             ${showControls(r.database.path)} ${r.database.exists ? `mode ${r.database.shared ? c.yellow(r.database.mode!) : r.database.mode}, owner ${r.database.owner}, journal ${r.database.journal_mode ?? '?'}` : c.dim('(not created yet)')}`,
    `  control socket   ${r.control_socket ? `${showControls(r.control_socket.path)} ${r.control_socket.exists ? `mode ${r.control_socket.shared ? c.yellow(r.control_socket.mode!) : r.control_socket.mode}` : c.red('missing')} (supervisor pid ${r.control_socket.supervisor_pid})` : c.dim('no supervisor running')}`,
  ];
  if (r.config.file === null) lines.push(c.dim('no agor.yaml here: nothing configured to check (-f FILE names one)'));
  else {
    lines.push(c.bold(`agents (${showControls(r.config.file)})`));
    if (r.config.error) lines.push(`  ${c.red('cannot read the configuration:')} ${showControls(r.config.error)}`);
    for (const a of r.agents) {
      lines.push(`  ${a.ok ? c.green('ok  ') : c.red('FAIL')} ${a.agent}: ${showControls(a.sandbox)}`);
      for (const p of a.problems) lines.push(`       ${c.red(showControls(p))}`);
      for (const w of a.warnings) lines.push(`       ${c.yellow(showControls(w))}`);
    }
  }
  lines.push(r.ok ? c.green('the configured agents can run as configured') : c.red('some agents cannot run as configured (see above)'));
  return lines;
}

export const doctor: Verb<FileArgs> = {
  command: 'doctor',
  describe: 'What this machine offers for sandboxing and limits, and whether each agent can run as configured',
  builder: (y) => fileOption(y),
  handler: async (argv) => {
    const { doctor: gather } = await import('../../supervisor/doctor.js');
    const report = gather({ dbPath: await dbPathOf(argv), configFile: argv.file });
    emit(argv.json, report, render);
    if (!report.ok) process.exitCode = 1;
  },
};
