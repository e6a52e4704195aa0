import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { linesBetween, tailLines, tailRange } from '../../../src/supervisor/logs.js';
import { tempDb } from '../../helpers/cli.js';

describe('reading the end of a log without holding it', () => {
  let t: ReturnType<typeof tempDb>;
  let file: string;
  beforeEach(() => {
    t = tempDb();
    file = join(t.dir, 'run.log');
  });
  afterEach(() => t.cleanup());

  const tail = (n: number, batch?: number) => {
    const r = tailRange(file, n);
    return [...linesBetween(file, r.start, r.end, batch)].flat();
  };

  it('gives the same last lines as tailLines, with or without a final newline, across block boundaries', () => {
    const long = 'x'.repeat(70_000);
    const texts = ['', '\n', 'one', 'one\n', 'one\ntwo', 'one\ntwo\n', 'a\n\nb\n\n', `${long}\nshort\n${long}`, 'é\nü\n€\n'];
    texts.push(Array.from({ length: 5000 }, (_, i) => `line ${i} ${'ab'.repeat(i % 40)}`).join('\n') + '\n');
    for (const text of texts) {
      writeFileSync(file, text);
      for (const n of [0, 1, 2, 3, 50, 4999, 5000, 6000]) {
        expect(tail(n), `${JSON.stringify(text.slice(0, 20))} n=${n}`).toEqual(tailLines(file, n));
        if (text.length < 1000) expect(tail(n, 7), `batch 7, n=${n}`).toEqual(tailLines(file, n));
      }
    }
  });

  it('finds nothing in a file that does not exist', () => {
    expect(tailRange(join(t.dir, 'none.log'), 10)).toEqual({ start: 0, end: 0 });
    expect([...linesBetween(join(t.dir, 'none.log'), 0, 10)]).toEqual([]);
  });

  it('cuts a line longer than the limit into pieces, so that no more than the limit is held', () => {
    writeFileSync(file, 'a'.repeat(25) + '\nb\n');
    expect([...linesBetween(file, 0, 28, 4, 10)].flat()).toEqual(['a'.repeat(10), 'a'.repeat(10), 'a'.repeat(5), 'b']);
  });
});
