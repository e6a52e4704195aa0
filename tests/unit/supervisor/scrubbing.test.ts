import { describe, expect, it } from 'vitest';
import { RunScrubbers, scrubLines } from '../../../src/supervisor/scrubbing.js';
import { scrubShapes } from '../../../src/secrets/scrub.js';

const GHP = 'ghp_' + 'aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5';

describe('RunScrubbers', () => {
  it('redacts token shapes only when the run’s secrets are not known', () => {
    const s = new RunScrubbers().forRun('r1');
    expect(s(`x ${GHP} hunter2hunter2`)).toBe('x [REDACTED:github-token] hunter2hunter2');
    expect(new RunScrubbers().forRun(null)).toBe(scrubShapes);
  });

  it('redacts the values the seam gives for a run, and asks once per run', () => {
    const asked: string[] = [];
    const runs = new RunScrubbers((id) => (asked.push(id), id === 'r1' ? [{ name: 'DB_PASSWORD', value: 'hunter2hunter2' }] : null));
    expect(runs.forRun('r1')('pw=hunter2hunter2')).toBe('pw=[REDACTED:DB_PASSWORD]');
    expect(runs.forRun('r2')('pw=hunter2hunter2')).toBe('pw=hunter2hunter2');
    runs.forRun('r1');
    expect(asked).toEqual(['r1', 'r2']);
    runs.forget('r1');
    runs.forRun('r1');
    expect(asked).toEqual(['r1', 'r2', 'r1']);
  });
});

describe('scrubLines', () => {
  it('sees a private key spread over several lines whole, and returns it as one line', () => {
    const lines = [
      'before',
      '-----BEGIN EC PRIVATE KEY-----',
      'MHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oZBHTUuFbgVToAoGCCqGSM49',
      '-----END EC PRIVATE KEY-----',
      'after',
    ];
    expect(scrubLines(lines, scrubShapes)).toEqual(['before', '[REDACTED:private-key]', 'after']);
  });

  it('keeps ordinary lines as they are, empty ones included', () => {
    expect(scrubLines(['a', '', 'b'], scrubShapes)).toEqual(['a', '', 'b']);
    expect(scrubLines([], scrubShapes)).toEqual([]);
  });
});
