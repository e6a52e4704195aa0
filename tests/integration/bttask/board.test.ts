import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { ROOT } from '../../helpers/cli.js';
import { type Board, type Task, EXIT, add, insertTasks, ok, refused, snapshot, useTeam } from './fixture.js';

const team = useTeam();
let b: Board;
beforeEach(() => {
  b = team.fresh();
});

const STATES = ['todo', 'progress', 'review', 'done', 'blocked'] as const;
// eslint-disable-next-line no-control-regex
const visible = (line: string) => [...line.replace(/\x1b\[[0-9;]*m/g, '')].length;

/** Runs bttask with stdout on a pseudo-terminal of `cols` columns (python3's pty module). */
function inTerminal(cols: number, args: string[], as: string): { code: number; lines: string[] } {
  const py = `
import os, pty, sys, struct, fcntl, termios, subprocess
m, s = pty.openpty()
fcntl.ioctl(s, termios.TIOCSWINSZ, struct.pack('HHHH', 40, int(sys.argv[1]), 0, 0))
p = subprocess.Popen(sys.argv[2:], stdin=s, stdout=s, stderr=s)
os.close(s)
out = b''
while True:
    try:
        d = os.read(m, 65536)
    except OSError:
        break
    if not d:
        break
    out += d
sys.stdout.buffer.write(out)
sys.exit(p.wait())
`;
  const env: NodeJS.ProcessEnv = { ...process.env, AGOR_DB: b.db, BTMSG_AGENT_ID: as };
  delete env.NO_COLOR; // a terminal gets colour: the widths must not count escape codes
  delete env.FORCE_COLOR;
  const r = spawnSync('python3', ['-c', py, String(cols), process.execPath, join(ROOT, 'dist', 'bttask.cjs'), ...args], { env, encoding: 'utf8' });
  return { code: r.status ?? -1, lines: r.stdout.replace(/\r/g, '').replace(/\n$/, '').split('\n') };
}

/** A crowded board: every state, long titles and ids, and more todo cards than fit. */
function crowd(): void {
  const long = 'Überprüfe die Schnittstelle zwischen dem Importer und dem Exporter gründlich '.repeat(4);
  const who = 'a-very-long-agent-identifier-that-uses-all-sixty-four-characters';
  insertTasks(b.db, [
    ...Array.from({ length: 25 }, (_, i) => ({ title: `${i} ${long}`, priority: i % 2 ? 'critical' : 'high', assigned_to: who })),
    ...STATES.slice(1).map((s) => ({ title: long, status: s, assigned_to: who, priority: 'low' })),
  ]);
}

describe('bttask board', () => {
  it('fits every line in 80 columns with --width 80, and by default when stdout is not a terminal', () => {
    crowd();
    for (const args of [['board', '--width', '80'], ['board']]) {
      const r = b.boss(args, { env: { NO_COLOR: undefined, FORCE_COLOR: '1' } });
      expect(r.code, r.stderr).toBe(0);
      const lines = r.stdout.replace(/\n$/, '').split('\n');
      expect(lines.filter((l) => visible(l) > 80)).toEqual([]);
      // eslint-disable-next-line no-control-regex
      const plain = lines.map((l) => l.replace(/\x1b\[[0-9;]*m/g, ''));
      expect(
        plain[0]!
          .trim()
          .split(/\s{2,}/)
          .map((h) => h.trim()),
      ).toEqual(['TODO (25)', 'PROGRESS (1)', 'REVIEW (1)', 'DONE (1)', 'BLOCKED (1)']);
      expect(plain.at(-1)).toMatch(/^\+5 more/);
      expect(plain[2]).toMatch(/^! 1 Überprüfe .*…/); // a critical card, its title cut to fit
    }
  });

  it('uses the extra width of a 120-column terminal, and still fits it', () => {
    crowd();
    const { code, lines } = inTerminal(120, ['board'], 'boss');
    expect(code, lines.join('\n')).toBe(0);
    expect(lines.filter((l) => visible(l) > 120)).toEqual([]);
    expect(Math.max(...lines.map(visible))).toBeGreaterThan(100);
    expect(lines.filter((l) => l.includes('\x1b[')).length).toBeGreaterThan(0); // coloured, as on any terminal
  });

  it('gives the five columns todo, progress, review, done and blocked with --json', () => {
    const [later, outage, ...moved] = insertTasks(b.db, [
      { title: 'Later' },
      { title: 'Outage', priority: 'critical' },
      ...STATES.slice(1).map((s) => ({ title: `A ${s} task`, status: s })),
    ]);
    const cols = ok<Record<string, Task[]>>(b.boss(['board', '--json']));
    expect(Object.keys(cols)).toEqual([...STATES]);
    expect(cols.todo!.map((t) => t.id)).toEqual([outage, later]);
    STATES.slice(1).forEach((s, i) => expect(cols[s]!.map((t) => [t.id, t.status])).toEqual([[moved[i], s]]));
  });

  it('refuses a --width that is not a whole number of columns', () => {
    add(b.boss, 'Anything');
    refused(b.boss(['board', '--width', 'wide']), EXIT.USAGE, /--width/);
    refused(b.boss(['board', '--width', '0']), EXIT.USAGE, /--width/);
  });
});

describe('bttask priorities', () => {
  it('lists the open tasks in work order, numbered', () => {
    const low = add(b.boss, 'Polish', '-p', 'low');
    const high = add(b.boss, 'Fix the leak', '-p', 'high');
    const lines = b.boss(['priorities']).stdout.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^  1 ${high.id.slice(0, 8)}  todo     high     Fix the leak`));
    expect(lines[1]).toMatch(new RegExp(`^  2 ${low.id.slice(0, 8)}  todo     low      Polish`));
  });

  it('puts the given tasks first within their priority, in the order given, and keeps that order', () => {
    const high = add(b.boss, 'High', '-p', 'high');
    const a = add(b.boss, 'A');
    const bb = add(b.boss, 'B');
    const c = add(b.boss, 'C');
    const low = add(b.boss, 'Low', '-p', 'low');
    const expected = [high.id, c.id, a.id, bb.id, low.id];
    const shown = ok<Task[]>(b.boss(['priorities', low.id.slice(0, 8), c.id, a.id, '--json']));
    expect(shown.map((t) => t.id)).toEqual(expected);
    expect(ok<Task[]>(b.boss(['list', '--json'])).map((t) => t.id)).toEqual(expected);
    expect(ok<Task[]>(b.boss(['ready', '--json'])).map((t) => t.id)).toEqual(expected);
  });

  it('refuses a task listed twice and changes nothing', () => {
    const a = add(b.boss, 'A');
    add(b.boss, 'B');
    const before = snapshot(b.db);
    refused(b.boss(['priorities', a.id, a.id.slice(0, 8)]), EXIT.USAGE, /listed twice/);
    expect(snapshot(b.db)).toEqual(before);
  });
});

describe('bttask review-count', () => {
  it('prints how many tasks wait for review', () => {
    const [x, y] = insertTasks(b.db, [{ title: 'x' }, { title: 'y' }, { title: 'z' }]);
    expect(b.rev(['review-count']).stdout).toBe('0\n');
    ok(b.boss(['status', x!, 'review', '--json']));
    ok(b.boss(['status', y!, 'review', '--json']));
    expect(b.rev(['review-count']).stdout).toBe('2\n');
    expect(ok(b.tes(['review-count', '--json']))).toEqual({ review: 2 });
  });
});
