import { describe, expect, it } from 'vitest';
import { type Message, count, jsonError, ok, sql, useTeam } from './fixture.js';

const MiB = 1024 * 1024;

describe('btmsg message bodies', () => {
  const t = useTeam();

  it('drops the single newline that ends piped input, and only that one', () => {
    expect(ok<Message>(t.alice(['send', 'bob', '-', '--json'], { input: 'hi\n' })).content).toBe('hi');
    expect(ok<Message>(t.alice(['send', 'bob', '-', '--json'], { input: 'two\r\n' })).content).toBe('two');
    expect(ok<Message>(t.alice(['send', 'bob', '-', '--json'], { input: 'para\n\n' })).content).toBe('para\n');
  });

  it('reads a multi-line UTF-8 message from stdin with "-" and stores it byte for byte', () => {
    const body = 'Build report\n\n  • tests: 412 passed ✅\n  • 日本語, العربية, Ελληνικά, emoji 🚀🧪\n\tcombining: é (e\u0301)\n\nlast line';
    const m = ok<Message>(t.alice(['send', 'bob', '-', '--json'], { input: body }));
    expect(m.content).toBe(body);
    expect(m.flags).toEqual([]);
    expect(ok<Message>(t.bob(['read', m.id, '--json'])).content).toBe(body);
    expect(t.bob(['read', m.id]).stdout).toContain(body);
  });

  it('reads a reply from stdin with "-" too', () => {
    const q = ok<Message>(t.alice(['send', 'bob', 'question', '--json']));
    const r = ok<Message>(t.bob(['reply', q.id, '-', '--json'], { input: 'line one\nline two' }));
    expect(r).toMatchObject({ to: 'alice', content: 'line one\nline two', reply_to: q.id });
  });

  it('accepts a message of exactly 1 MiB on stdin', () => {
    const body = 'é'.repeat(MiB / 2); // two bytes each
    // Human output: the JSON echo of 1 MiB would overflow spawnSync's output buffer.
    const r = t.alice(['send', 'bob', '-'], { input: body });
    expect(r.code, r.stderr).toBe(0);
    const stored = sql(t.db, (db) => db.prepare('SELECT length(CAST(content AS BLOB)) AS bytes, content FROM messages').get()) as {
      bytes: number;
      content: string;
    };
    expect(stored.bytes).toBe(MiB);
    expect(stored.content).toBe(body);
  });

  it('refuses a message over 1 MiB on stdin and stores nothing', () => {
    const r = t.alice(['send', 'bob', '-'], { input: 'x'.repeat(MiB + 1) });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/over the 1 MiB limit/);
    expect(count(t.db, 'messages')).toBe(0);
  });

  it('refuses a message over 1 MiB given as arguments and stores nothing', () => {
    // One argument may hold at most 128 KiB on Linux, so the body comes in several words.
    const words = Array.from({ length: 9 }, () => 'y'.repeat(120_000));
    const r = t.alice(['send', 'bob', ...words, '--json']);
    expect(r.code).toBe(2);
    expect(jsonError(r).message).toMatch(/over the 1 MiB limit/);
    expect(count(t.db, 'messages')).toBe(0);
  });

  it('refuses NUL bytes on stdin', () => {
    const r = t.alice(['send', 'bob', '-'], { input: Buffer.from('before\0after') });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/NUL byte/);
    expect(count(t.db, 'messages')).toBe(0);
  });

  it('refuses invalid UTF-8 on stdin', () => {
    for (const bytes of [
      [0xff, 0xfe, 0x41],
      [0x68, 0x69, 0xc3],
      [0xed, 0xa0, 0x80],
    ]) {
      const r = t.alice(['send', 'bob', '-'], { input: Buffer.from(bytes) });
      expect(r.code, String(bytes)).toBe(2);
      expect(r.stderr).toMatch(/not valid UTF-8/);
    }
    expect(count(t.db, 'messages')).toBe(0);
  });

  it('refuses an empty or blank message, from arguments or stdin', () => {
    for (const [args, input] of [
      [['send', 'bob', ''], undefined],
      [['send', 'bob', ' ', '\t'], undefined],
      [['send', 'bob', '-'], ''],
      [['send', 'bob', '-'], '\n\n  \n'],
    ] as const) {
      const r = t.alice([...args], { input });
      expect(r.code, JSON.stringify(args)).toBe(2);
      expect(r.stderr).toMatch(/message is empty/);
    }
    expect(count(t.db, 'messages')).toBe(0);
  });

  it('takes the words after -- as message text, even those that look like options', () => {
    const m = ok<Message>(t.alice(['send', '--json', 'bob', 'never', 'run', '--', '--force', '-f', '--json', '-']));
    expect(m.content).toBe('never run --force -f --json -');
    const r = ok<Message>(t.bob(['reply', '--json', m.id, '--', '--no-verify', 'is', 'off', 'limits']));
    expect(r.content).toBe('--no-verify is off limits');
  });

  it('refuses a word that looks like an option before --', () => {
    const r = t.alice(['send', 'bob', '--force', 'push']);
    expect(r.code).toBe(2);
    // yargs takes "push" as the value of --force, so the message itself is missing.
    expect(r.stderr).toMatch(/^btmsg: Not enough non-option arguments/);
    expect(count(t.db, 'messages')).toBe(0);
  });

  it('refuses a missing message', () => {
    const r = t.alice(['send', 'bob']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Not enough non-option arguments/);
  });
});
