import { describe, expect, it } from 'vitest';
import { missingNote, resolveRunSecrets, systemNote } from '../../../src/secrets/inject.js';
import type { SecretRef } from '../../../src/secrets/refs.js';

/** A keyring of plain items, keyed as the store names them: `<agent>/<NAME>`, or `*\/<NAME>` when shared. */
function keyring(items: Record<string, string>, group = 'g') {
  const asked: string[] = [];
  const get = (ref: SecretRef): string | null => {
    const key = `${ref.agent ?? '*'}/${ref.name}`;
    asked.push(key);
    return ref.group === group ? (items[key] ?? null) : null;
  };
  return { get, asked };
}

describe('resolveRunSecrets', () => {
  it("hands the run the agent's own value, shadowing the group's of the same name", () => {
    const k = keyring({ 'w/GITHUB_TOKEN': 'own-value', '*/GITHUB_TOKEN': 'shared-value' });
    expect(resolveRunSecrets(k.get, 'g', 'w', [{ name: 'GITHUB_TOKEN', from: 'GITHUB_TOKEN' }])).toEqual({
      env: { GITHUB_TOKEN: 'own-value' },
      refs: [{ env: 'GITHUB_TOKEN', name: 'GITHUB_TOKEN', agent: 'w' }],
      values: [{ name: 'GITHUB_TOKEN', value: 'own-value' }],
      missing: [],
      system: [],
    });
    // The shared item is not even read when the agent has its own.
    expect(k.asked).toEqual(['w/GITHUB_TOKEN']);
  });

  it("falls back to the group's shared value when the agent has none of its own", () => {
    const k = keyring({ '*/GITHUB_TOKEN': 'shared-value', 'other/GITHUB_TOKEN': 'not-mine' });
    const r = resolveRunSecrets(k.get, 'g', 'w', [{ name: 'GITHUB_TOKEN', from: 'GITHUB_TOKEN' }]);
    expect(r.env).toEqual({ GITHUB_TOKEN: 'shared-value' });
    expect(r.refs).toEqual([{ env: 'GITHUB_TOKEN', name: 'GITHUB_TOKEN', agent: null }]);
  });

  it('puts a renamed secret under the variable name the agent asked for, not the keyring name', () => {
    const k = keyring({ '*/GITHUB_TOKEN': 'ghp-value-1' });
    const r = resolveRunSecrets(k.get, 'g', 'w', [{ name: 'GH', from: 'GITHUB_TOKEN' }]);
    expect(r.env).toEqual({ GH: 'ghp-value-1' });
    expect(r.values).toEqual([{ name: 'GH', value: 'ghp-value-1' }]);
  });

  it('reads one keyring item once for two variables, and lists its value once', () => {
    const k = keyring({ 'w/GITHUB_TOKEN': 'ghp-value-1' });
    const r = resolveRunSecrets(k.get, 'g', 'w', [
      { name: 'GITHUB_TOKEN', from: 'GITHUB_TOKEN' },
      { name: 'GH', from: 'GITHUB_TOKEN' },
    ]);
    expect(r.env).toEqual({ GITHUB_TOKEN: 'ghp-value-1', GH: 'ghp-value-1' });
    expect(r.values).toEqual([{ name: 'GITHUB_TOKEN', value: 'ghp-value-1' }]);
    expect(r.refs).toEqual([
      { env: 'GITHUB_TOKEN', name: 'GITHUB_TOKEN', agent: 'w' },
      { env: 'GH', name: 'GITHUB_TOKEN', agent: 'w' },
    ]);
    expect(k.asked).toEqual(['w/GITHUB_TOKEN']);
  });

  it('lists every keyring name found in neither scope, once each and in order, and hands out the rest', () => {
    const k = keyring({ '*/A_TOKEN': 'aaaaaaaa' });
    const r = resolveRunSecrets(k.get, 'g', 'w', [
      { name: 'NPM_TOKEN', from: 'NPM_TOKEN' },
      { name: 'A_TOKEN', from: 'A_TOKEN' },
      { name: 'GH', from: 'GITHUB_TOKEN' },
      { name: 'GH2', from: 'GITHUB_TOKEN' },
    ]);
    expect(r.missing).toEqual(['NPM_TOKEN', 'GITHUB_TOKEN']);
    expect(r.env).toEqual({ A_TOKEN: 'aaaaaaaa' });
  });

  it("withholds a system secret (agor's own) found in either scope, without falling back past it", () => {
    const k = keyring({ 'w/RELAY_TOKEN': 'relay-own', '*/RELAY_TOKEN': 'relay-shared', '*/SHARED_SYS': 'sys', '*/GH': 'ghp-value-1' });
    const system = (ref: SecretRef) => ref.name === 'SHARED_SYS' || (ref.name === 'RELAY_TOKEN' && ref.agent !== null);
    const r = resolveRunSecrets(
      k.get,
      'g',
      'w',
      [
        { name: 'RELAY_TOKEN', from: 'RELAY_TOKEN' },
        { name: 'S', from: 'SHARED_SYS' },
        { name: 'GH', from: 'GH' },
      ],
      system,
    );
    expect(r).toEqual({
      env: { GH: 'ghp-value-1' },
      refs: [{ env: 'GH', name: 'GH', agent: null }],
      values: [{ name: 'GH', value: 'ghp-value-1' }],
      missing: [],
      system: ['RELAY_TOKEN', 'SHARED_SYS'],
    });
  });

  it('counts an empty value as present', () => {
    expect(resolveRunSecrets(keyring({ 'w/EMPTY': '' }).get, 'g', 'w', [{ name: 'EMPTY', from: 'EMPTY' }])).toMatchObject({ env: { EMPTY: '' }, missing: [] });
  });

  it("never reads another group's items", () => {
    const k = keyring({ 'w/GITHUB_TOKEN': 'theirs' }, 'other-group');
    expect(resolveRunSecrets(k.get, 'g', 'w', [{ name: 'GITHUB_TOKEN', from: 'GITHUB_TOKEN' }]).missing).toEqual(['GITHUB_TOKEN']);
  });

  it('asks the keyring nothing for an agent that names no secrets', () => {
    const k = keyring({});
    expect(resolveRunSecrets(k.get, 'g', 'w', [])).toEqual({ env: {}, refs: [], values: [], missing: [], system: [] });
    expect(k.asked).toEqual([]);
  });

  it('lets a keyring that cannot be reached throw to the caller', () => {
    const get = () => {
      throw new Error('no bus');
    };
    expect(() => resolveRunSecrets(get, 'g', 'w', [{ name: 'A', from: 'A' }])).toThrow('no bus');
  });
});

describe('missingNote', () => {
  it('names one missing secret and the command that sets it for the agent', () => {
    expect(missingNote('g', 'w', ['GITHUB_TOKEN'])).toBe(
      "secret GITHUB_TOKEN is not in the keyring (neither w's own nor shared by the group g); set it with: agor secret set GITHUB_TOKEN --agent w (or without --agent to share it with the group)",
    );
  });

  it('names every missing secret when there are several', () => {
    const note = missingNote('g', 'w', ['NPM_TOKEN', 'GITHUB_TOKEN']);
    expect(note).toContain('secrets NPM_TOKEN, GITHUB_TOKEN are not in the keyring');
    expect(note).toContain('agor secret set NAME --agent w');
  });
});

describe('systemNote', () => {
  it('says a system secret is never handed to an agent, and how to give the agent one of its own', () => {
    expect(systemNote('w', ['RELAY_TOKEN'])).toMatch(/^RELAY_TOKEN is a system secret \(agor's own, set with --system\), never handed to an agent; /);
  });
});
