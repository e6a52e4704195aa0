import { describe, expect, it } from 'vitest';
import { withVerb } from '../../../../src/commands/relay/index.js';
import { logLine } from '../../../../src/commands/relay/serve.js';
import { showControls } from '../../../../src/core/text.js';

describe('agor-relay words', () => {
  it.each([
    [[], ['serve']],
    [
      ['--listen', '0.0.0.0:7650'],
      ['serve', '--listen', '0.0.0.0:7650'],
    ],
    [
      ['--headless', '--json'],
      ['serve', '--headless', '--json'],
    ],
    [['--check'], ['check']],
    [
      ['--dir', '/x', '--check', '--json'],
      ['check', '--dir', '/x', '--json'],
    ],
    [
      ['init', '--json'],
      ['init', '--json'],
    ],
    [
      ['--dir', '/x', 'token', 'list'],
      ['--dir', '/x', 'token', 'list'],
    ],
    [['--help'], ['--help']],
    [['--version'], ['--version']],
    [
      ['--listen', '127.0.0.1:1', '--help'],
      ['serve', '--listen', '127.0.0.1:1', '--help'],
    ],
  ])('reads %j as %j', (argv, want) => expect(withVerb(argv)).toEqual(want));
});

describe('a relay log line', () => {
  it('gives time, level, event, the fields, then the detail, with control characters shown', () => {
    const line = logLine(
      { at: '2026-12-06T00:00:00.000Z', level: 'warn', event: 'refused', addr: '10.0.0.9', token: undefined, detail: 'origin "x\x1b[2J"' },
      showControls,
    );
    expect(line).toBe(`2026-12-06T00:00:00.000Z warn refused addr=10.0.0.9 ${showControls('origin "x\x1b[2J"')}`);
    expect(line).not.toContain('\x1b');
  });
});
