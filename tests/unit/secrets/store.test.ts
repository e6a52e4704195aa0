import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KeyringError, classifyKeyringMessage } from '../../../src/secrets/errors.js';
import { configuredSecrets } from '../../../src/secrets/names.js';
import { SecretStore, accountOf, serviceOf } from '../../../src/secrets/store.js';

const saved = process.env.DBUS_SESSION_BUS_ADDRESS;
afterEach(() => {
  if (saved === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
  else process.env.DBUS_SESSION_BUS_ADDRESS = saved;
});

describe('the secret store', () => {
  it('names items so that two groups, or an agent and the group, never share one', () => {
    expect(serviceOf({ group: 'demo', agent: 'a', name: 'X' })).toBe('agor:demo');
    expect(accountOf({ group: 'demo', agent: 'a', name: 'X' })).toBe('a/X');
    expect(accountOf({ group: 'demo', agent: null, name: 'X' })).toBe('*/X');
  });

  it('refuses to open without a session bus', () => {
    delete process.env.DBUS_SESSION_BUS_ADDRESS;
    expect(() => SecretStore.open()).toThrow(KeyringError);
    try {
      SecretStore.open();
    } catch (e) {
      expect((e as KeyringError).kind).toBe('no-bus');
    }
  });

  it('stays pinned to the Secret Service: without a bus, reads fail instead of falling back to the kernel keyring', () => {
    delete process.env.DBUS_SESSION_BUS_ADDRESS;
    // Past open()'s check, straight to the library calls, as if the bus went away after it.
    const store = new (SecretStore as unknown as new () => SecretStore)();
    const ref = { group: 'pin-test', agent: null, name: 'PINNED' };
    for (const call of [() => store.get(ref), () => store.set(ref, 'value'), () => store.delete(ref)]) {
      let err: unknown;
      try {
        call();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(KeyringError);
      expect((err as KeyringError).kind).toBe('no-bus');
    }
  });

  it('tells the kinds of keyring failure apart from their messages', () => {
    expect(classifyKeyringMessage('DBus error: Failed to connect to socket /x: No such file or directory')).toBe('no-bus');
    expect(classifyKeyringMessage('Using X11 for dbus-daemon autolaunch was disabled at compile time, set your DBUS_SESSION_BUS_ADDRESS instead')).toBe('no-bus');
    expect(classifyKeyringMessage('Error org.freedesktop.DBus.Error.ServiceUnknown: The name org.freedesktop.secrets was not provided by any .service files')).toBe(
      'no-service',
    );
    expect(classifyKeyringMessage('Secret Service: unlock prompt was dismissed')).toBe('locked');
    expect(classifyKeyringMessage('something else')).toBe('other');
  });
});

describe('the secrets agor.yaml names', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
  const yaml = (text: string) => {
    const d = mkdtempSync(join(tmpdir(), 'agor-names-'));
    dirs.push(d);
    writeFileSync(join(d, 'agor.yaml'), text);
    return d;
  };

  it('reads plain names and renames, per agent', () => {
    const d = yaml('group: g\nagents:\n  a:\n    command: [x]\n    secrets: [GITHUB_TOKEN, { name: GH, from: OTHER }]\n  b:\n    command: [x]\n');
    expect(configuredSecrets(undefined, d)).toEqual({
      file: join(d, 'agor.yaml'),
      group: 'g',
      agents: [
        {
          id: 'a',
          secrets: [
            { name: 'GITHUB_TOKEN', from: 'GITHUB_TOKEN' },
            { name: 'GH', from: 'OTHER' },
          ],
        },
        { id: 'b', secrets: [] },
      ],
    });
  });

  it('refuses a name that is not an environment variable name, saying where', () => {
    const d = yaml('group: g\nagents:\n  a:\n    secrets: [github-token]\n');
    expect(() => configuredSecrets(undefined, d)).toThrow(/agents\.a\.secrets\[0\]: 'github-token' is not a secret name/);
  });
});
