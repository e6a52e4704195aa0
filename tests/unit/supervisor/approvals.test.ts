import { describe, expect, it } from 'vitest';
import { actionMatches, beatInterval } from '../../../src/supervisor/approvals.js';

describe('approval action patterns', () => {
  it.each([
    ['rm -rf *', 'rm -rf build', true],
    ['rm -rf *', 'rm -rf /home/dev/app/dist', true],
    ['rm -rf *', 'rm -r build', false],
    ['git push*', 'git push', true],
    ['git push*', 'git push --force origin main', true],
    ['git push*', 'git pull', false],
    ['npm publish', '  npm publish  ', true],
    ['npm publish', 'npm publish --dry-run', false],
    ['make ?', 'make a', true],
    ['make ?', 'make ab', false],
    ['a.b(c)+[d]', 'a.b(c)+[d]', true],
    ['a.b(c)+[d]', 'aXb(c)+[d]', false],
  ])('%j matches %j: %s', (pattern, action, yes) => {
    expect(actionMatches(pattern, action)).toBe(yes);
  });
});

describe('the heartbeat interval of a waiting request', () => {
  it.each([
    [null, 30_000],
    [15 * 60_000, 30_000],
    [60_000, 15_000],
    [2000, 500],
    [500, 250],
  ])('with stall_after %s is %s ms', (stall, ms) => {
    expect(beatInterval(stall)).toBe(ms);
  });
});
