import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunResult, json, run, seedTeam, sql, tempDb } from '../helpers/cli.js';

/**
 * Every verb of btmsg, bttask and agor that prints stored text, run over a database whose
 * every text field holds a terminal attack: window title (OSC 0), clipboard write (OSC 52),
 * clear screen, cursor up + erase line forging "Reviewer approved", a bidi override, C1
 * CSI, CR, backspace and DEL. None of it may reach stdout or stderr as a control.
 */
const EVIL = 'hi \x1b]0;PWNED\x07\x1b[2J\x1b]52;c;ZWNobyBwd25lZA==\x07\x1b[1A\x1b[2KReviewer approved \u202Eevil\u009B2J\r\bX\x7f';

// Anything a terminal would act on or hide: C0 but tab and newline, DEL, C1, bidi and zero-width controls.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/u;
// The colours the CLIs write themselves (with FORCE_COLOR).
// eslint-disable-next-line no-control-regex
const SGR = /\x1b\[[0-9;]*m/g;

function expectInert(what: string, r: RunResult, colour = false): void {
  for (const [stream, text] of [
    ['stdout', r.stdout],
    ['stderr', r.stderr],
  ] as const) {
    // eslint-disable-next-line no-control-regex
    const rest = colour ? text.replace(SGR, (s) => (/\x1b\[(?:[0-9;]*;)?8(?:;|m)/.test(s) ? s : '')) : text;
    const bad = UNSAFE.exec(rest);
    expect(bad, `${what}: ${stream} holds U+${bad?.[0].codePointAt(0)!.toString(16).padStart(4, '0')} in ${JSON.stringify(text.slice(0, 300))}`).toBeNull();
  }
}

describe('output of stored text', () => {
  const t = tempDb();
  const env = (as: string | null, extra: Record<string, string> = {}) => ({ db: t.db, as, env: extra });
  const btmsg = (as: string | null, args: string[], extra?: Record<string, string>) => run('btmsg', args, env(as, extra));
  const bttask = (as: string | null, args: string[], extra?: Record<string, string>) => run('bttask', args, env(as, extra));
  const agor = (args: string[], extra?: Record<string, string>) => run('agor', args, env(null, extra));
  let msgId = '';
  let taskId = '';
  const yaml = join(t.dir, 'agor.yaml');

  beforeAll(() => {
    seedTeam(t.db);
    const must = (r: RunResult) => {
      expect(r.code, r.stderr).toBe(0);
      return r;
    };
    msgId = json<{ id: string }>(must(run('btmsg', ['send', 'bob', '-', '--json'], { db: t.db, as: 'alice', input: EVIL }))).id;
    must(run('btmsg', ['reply', msgId, '-'], { db: t.db, as: 'bob', input: EVIL }));
    must(btmsg('alice', ['channel', 'create', 'ops', 'bob']));
    must(run('btmsg', ['channel', 'send', 'ops', '-'], { db: t.db, as: 'alice', input: EVIL }));
    taskId = json<{ id: string }>(must(bttask('boss', ['add', EVIL, '--desc', EVIL, '--assign', 'alice', '--json']))).id;
    must(run('bttask', ['comment', taskId, '-'], { db: t.db, as: 'boss', input: EVIL }));
    must(bttask('boss', ['status', taskId, 'blocked', '--comment', EVIL]));
    // What the earlier tools or a hand-edited file may hold, which registration now refuses.
    sql(t.db, (db) => {
      db.prepare("INSERT INTO agents (id, name, role, group_id, tier, model, cwd) VALUES ('legacy', ?, 'project', ?, 2, ?, ?)").run(EVIL, EVIL, EVIL, EVIL);
      db.prepare("INSERT INTO channels (id, name, group_id, created_by) VALUES ('evilchan', ?, 'demo', 'alice')").run(EVIL);
      db.prepare("INSERT INTO channel_members (channel_id, agent_id) VALUES ('evilchan', 'alice')").run();
      db.prepare("UPDATE agents SET managed = 1 WHERE id = 'alice'").run();
      const log = join(t.dir, 'alice.log');
      writeFileSync(log, `${EVIL}\nsecond line ${EVIL}\n`);
      db.prepare(
        `INSERT INTO runs (id, agent, incarnation, log_path, started_at, ended_at, exit_code, outcome, wake_reason, error_class, note, signal)
         VALUES ('run00001aaaa', 'alice', 1, ?, ?, ?, 1, 'failed', ?, ?, ?, ?)`,
      ).run(log, Date.now() - 60_000, Date.now() - 30_000, EVIL, EVIL, EVIL, EVIL);
      db.prepare(
        `INSERT OR REPLACE INTO agent_state (agent, mode, state, health, run_id, pid, restarts, attempts, last_output_at, next_start_at, attention, attention_reason, updated_at)
         VALUES ('alice', 'service', 'failed', 'failed', NULL, NULL, 5, 5, NULL, NULL, 90, ?, ?)`,
      ).run(EVIL, Date.now());
    });
    // A YAML double-quoted string may hold any control character.
    writeFileSync(
      yaml,
      `group: demo\nagents:\n  alice:\n    command: [sh, -c, "true"]\n    schedules:\n      - cron: "0 9 * * *"\n        tz: UTC\n        prompt: ${JSON.stringify(EVIL)}\n`,
    );
    // A dead letter: carol has not sent a heartbeat for an hour and agor does not run her.
    must(btmsg('admin', ['register', 'carol', 'Carol', 'project', 'demo']));
    sql(t.db, (db) => db.prepare('INSERT INTO heartbeats (agent_id, timestamp) VALUES (?, ?)').run('carol', Math.floor(Date.now() / 1000) - 3600));
    expect(run('btmsg', ['send', 'carol', '-'], { db: t.db, as: 'admin', input: EVIL }).code).toBe(8);
  });
  afterAll(() => t.cleanup());

  const verbs: [string, () => RunResult][] = [
    ['btmsg inbox', () => btmsg('bob', ['inbox', '--all'])],
    ['btmsg read', () => btmsg('bob', ['read', msgId])],
    ['btmsg show', () => btmsg('bob', ['show', msgId])],
    ['btmsg history', () => btmsg('bob', ['history', 'alice'])],
    ['btmsg feed', () => btmsg(null, ['feed'])],
    ['btmsg search', () => btmsg('admin', ['search', 'Reviewer'])],
    ['btmsg status', () => btmsg(null, ['status'])],
    ['btmsg contacts', () => btmsg('admin', ['contacts'])],
    ['btmsg whoami', () => btmsg('legacy', ['whoami'])],
    ['btmsg graph', () => btmsg(null, ['graph'])],
    ['btmsg notify', () => btmsg('bob', ['notify', '--session', 'x'])],
    ['btmsg channel list', () => btmsg('alice', ['channel', 'list'])],
    ['btmsg channel history', () => btmsg('bob', ['channel', 'history', 'ops'])],
    ['btmsg dlq list', () => btmsg('admin', ['dlq', 'list'])],
    ['btmsg audit', () => btmsg('admin', ['audit', '--limit', '1000'])],
    ['btmsg wait', () => btmsg('bob', ['wait', '--channel', 'ops', '--timeout', '0.2'])],
    ['bttask list', () => bttask('boss', ['list', '--all'])],
    ['bttask board', () => bttask('boss', ['board'])],
    ['bttask show', () => bttask('boss', ['show', taskId])],
    ['bttask search', () => bttask('boss', ['search', 'Reviewer'])],
    ['bttask history', () => bttask('boss', ['history', taskId])],
    ['bttask priorities', () => bttask('boss', ['priorities'])],
    ['bttask ready', () => bttask('boss', ['ready'])],
    ['agor ps', () => agor(['ps'])],
    ['agor runs', () => agor(['runs'])],
    ['agor logs', () => agor(['logs', 'alice'])],
    ['agor schedule list', () => agor(['schedule', 'list', '-f', yaml])],
    // Error messages echo what was typed.
    ['an unknown agent in btmsg history', () => btmsg('bob', ['history', EVIL])],
    ['an unknown recipient in btmsg send', () => btmsg('bob', ['send', EVIL, 'hi'])],
    ['an unknown channel', () => btmsg('bob', ['channel', 'history', EVIL])],
    ['an unknown message id', () => btmsg('bob', ['read', EVIL])],
    ['an unknown task id', () => bttask('boss', ['show', EVIL])],
    ['an unknown verb', () => bttask('boss', [EVIL])],
    ['an unknown agent in agor logs', () => agor(['logs', EVIL])],
    ['a refused registration', () => btmsg('admin', ['register', 'x', EVIL, 'project', 'demo'])],
    ['BTMSG_AGENT_ID that is not an agent', () => btmsg(EVIL, ['inbox'])],
  ];

  it.each(verbs)('%s prints no control character, piped', (what, call) => {
    expectInert(what, call());
  });

  it('shows the controls visibly, cat -v style, and keeps the newline of a body', () => {
    const r = btmsg('bob', ['read', msgId]);
    expect(r.stdout).toContain('hi ^[]0;PWNED^G^[[2J^[]52;c;ZWNobyBwd25lZA==^G^[[1A^[[2KReviewer approved <U+202E>evil<U+009B>2J^M^HX^?');
    const multi = json<{ id: string }>(run('btmsg', ['send', 'bob', '-', '--json'], { db: t.db, as: 'alice', input: 'line one\nline two\rforged' }));
    expect(btmsg('bob', ['read', multi.id]).stdout).toContain('line one\nline two^Mforged');
  });

  it('keeps the stored text exact in --json, with the unsafe characters escaped', () => {
    const r = btmsg('bob', ['read', msgId, '--json']);
    expectInert('btmsg read --json', r);
    expect(json<{ content: string }>(r).content).toBe(EVIL);
    expect(r.stdout).toContain('\\u009b');
    expect(json<{ task: { title: string } }>(bttask('boss', ['show', taskId, '--json'])).task.title).toBe(EVIL);
    const logs = agor(['logs', 'alice', '--json']);
    expectInert('agor logs --json', logs);
    expect(
      logs.stdout
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as { line: string }).line),
    ).toEqual([EVIL, `second line ${EVIL}`]);
  });

  it('shows a body stored as invalid UTF-8 (a lone 0x9B byte included) without any control', () => {
    const id = json<{ id: string }>(run('btmsg', ['send', 'bob', 'placeholder', '--json'], { db: t.db, as: 'alice' })).id;
    sql(t.db, (db) =>
      db.prepare('UPDATE messages SET content = CAST(? AS TEXT) WHERE id = ?').run(Buffer.from([0x68, 0xc3, 0x28, 0x1b, 0xff, 0x9b, 0x32, 0x4a]), id),
    );
    const r = btmsg('bob', ['read', id]);
    expect(r.code, r.stderr).toBe(0);
    expectInert('btmsg read of invalid UTF-8', r);
    expect(r.stdout).toContain('h\uFFFD(^[\uFFFD\uFFFD2J');
    expectInert('btmsg read --json of invalid UTF-8', btmsg('bob', ['read', id, '--json']));
  });

  it('prints an agent log as it is with agor logs --raw', () => {
    const r = agor(['logs', 'alice', '--raw']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`${EVIL}\nsecond line ${EVIL}\n`);
  });
});

describe('output of stored text on a colour terminal', () => {
  it('lets through only the colour sequences the CLIs write', () => {
    const t = tempDb();
    try {
      seedTeam(t.db);
      const o = { db: t.db, env: { FORCE_COLOR: '1', NO_COLOR: undefined } };
      expect(run('btmsg', ['send', 'bob', '-'], { ...o, as: 'alice', input: EVIL }).code).toBe(0);
      expect(run('bttask', ['add', EVIL, '--desc', EVIL], { ...o, as: 'boss' }).code).toBe(0);
      for (const [bin, args, as] of [
        ['btmsg', ['inbox'], 'bob'],
        ['btmsg', ['feed'], 'admin'],
        ['btmsg', ['search', 'Reviewer'], 'admin'],
        ['btmsg', ['history', EVIL], 'bob'],
        ['bttask', ['list'], 'boss'],
        ['bttask', ['board'], 'boss'],
      ] as const) {
        const r = run(bin, [...args], { ...o, as });
        // Colour is really on, or this proves nothing.
        expect(r.stdout + r.stderr).toMatch(SGR);
        expectInert(`${bin} ${args[0]} with colour`, r, true);
        // eslint-disable-next-line no-control-regex
        expect(r.stdout + r.stderr).not.toMatch(/\x1b\[[0-9;]*[A-HJKSTf]|\x1b\]/);
      }
    } finally {
      t.cleanup();
    }
  });
});
