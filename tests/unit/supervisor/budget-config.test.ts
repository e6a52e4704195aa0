import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../../src/supervisor/config.js';
import { userError } from '../../helpers/errors.js';

const agents = 'agents:\n  a:\n    command: [sh]\n    budget: { daily: 2.5, on_exceed: stop }\n  b:\n    command: [sh]\n';

/** The message parseConfig refuses `text` with (a ConfigError: file, line and key). */
function error(text: string): string {
  const e = userError(() => parseConfig(text, '/tmp/agor.yaml'));
  expect(e).toBeInstanceOf(ConfigError);
  return e.message;
}

describe('budget: and timezone: in agor.yaml', () => {
  it('reads the group’s budget, each agent’s own, and the time zone', () => {
    const c = parseConfig(
      `group: g\ntimezone: Europe/Berlin\nbudget:\n  daily: 5.00\n  monthly: 80\n  currency: USD\n  tokens: { daily: 2000000, monthly: 40000000 }\n${agents}`,
      '/tmp/agor.yaml',
    );
    expect(c.timezone).toBe('Europe/Berlin');
    expect(c.budget).toEqual({ daily: 5, monthly: 80, tokens: { daily: 2_000_000, monthly: 40_000_000 }, onExceed: 'wait', currency: 'USD' });
    expect(c.agents[0]!.budget).toEqual({ daily: 2.5, monthly: null, tokens: { daily: null, monthly: null }, onExceed: 'stop', currency: 'USD' });
    expect(c.agents[1]!.budget).toBeNull();
  });

  it('has no budget and the machine’s time zone when neither is written', () => {
    const c = parseConfig('group: g\nagents:\n  a:\n    command: [sh]\n', '/tmp/agor.yaml');
    expect(c.budget).toBeNull();
    expect(c.timezone).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);
  });

  it.each([
    ['budget:\n  daily: -1\n', /agor\.yaml:3: budget\.daily: must be an amount above 0/],
    ['budget:\n  daily: "five"\n', /agor\.yaml:3: budget\.daily: must be an amount above 0/],
    ['budget:\n  weekly: 3\n', /agor\.yaml:3: budget\.weekly: unknown key/],
    ['budget:\n  daily: 3\n  currency: EUR\n', /agor\.yaml:4: budget\.currency: must be USD \(got 'EUR'\)/],
    ['budget:\n  tokens: { daily: 1.5 }\n', /agor\.yaml:3: budget\.tokens\.daily: must be a whole number of tokens/],
    ['budget:\n  daily: 3\n  on_exceed: kill\n', /agor\.yaml:4: budget\.on_exceed: must be one of wait, stop/],
    ['budget:\n  daily: 30\n  monthly: 20\n', /agor\.yaml:3: budget\.daily: is more than the monthly budget/],
    ['budget:\n  on_exceed: stop\n', /agor\.yaml:3: budget: sets no limit/],
    ['timezone: Mars/Olympus\n', /agor\.yaml:2: timezone: unknown time zone 'Mars\/Olympus'/],
  ])('refuses %j with file, line and key', (block, message) => {
    expect(error(`group: g\n${block}agents:\n  a:\n    command: [sh]\n`)).toMatch(message);
  });

  it('refuses a bad agent budget under the agent’s key', () => {
    expect(error('group: g\nagents:\n  a:\n    command: [sh]\n    budget: { monthly: 0 }\n')).toMatch(
      /agor\.yaml:5: agents\.a\.budget\.monthly: must be an amount above 0/,
    );
  });
});
