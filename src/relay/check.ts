import { existsSync } from 'node:fs';
import { UserError } from '../core/errors.js';
import { loadTls, namesOf } from './credentials.js';
import { TokenRegistry } from './tokens.js';
import type { VaultKind } from './vault.js';

/** One thing `agor-relay --check` looked at, and what it found. */
export interface Finding {
  ok: boolean;
  what: 'certificate' | 'names' | 'tokens' | 'token' | 'database';
  message: string;
  hint?: string;
}

const failed = (what: Finding['what'], e: unknown): Finding => ({
  ok: false,
  what,
  message: (e as Error).message,
  ...(e instanceof UserError && e.hint ? { hint: e.hint } : {}),
});

const DAY = 86_400_000;

/**
 * Everything a relay needs before it serves, checked without serving: the certificate
 * (parses, dates, matches its key, the key private, the names it covers), the token
 * storage (reachable, a value for every listed token, an admin among them), and the
 * database (opens). One finding per line of the report.
 */
export async function checkRelay(o: { dir: string; dbPath: string; prefer?: VaultKind; now?: Date }): Promise<Finding[]> {
  const now = o.now ?? new Date();
  const out: Finding[] = [];
  try {
    const tls = loadTls(o.dir, now);
    const until = new Date(tls.x509.validTo);
    const soon = until.getTime() - now.getTime() < 30 * DAY;
    out.push({
      ok: true,
      what: 'certificate',
      message: `certificate and key match, key private (0600), valid until ${until.toISOString()}${soon ? ' (less than 30 days left)' : ''}; pin ${tls.pin}`,
      ...(soon ? { hint: 'agor-relay init --force makes a new one (clients must pin again)' } : {}),
    });
    const names = namesOf(tls.x509);
    out.push(
      names.length
        ? { ok: true, what: 'names', message: `the certificate names ${names.join(', ')}` }
        : { ok: false, what: 'names', message: 'the certificate names no host (no subjectAltName)', hint: 'agor-relay init --force --san NAME' },
    );
  } catch (e) {
    out.push(failed('certificate', e));
  }
  try {
    const registry = await TokenRegistry.open(o.dir, { prefer: o.prefer });
    const v = registry.vault;
    out.push({
      ok: true,
      what: 'tokens',
      message: `token storage reachable: ${v.kind === 'keyring' ? `the keyring (group ${v.where})` : `the file ${v.where} (0600)`}`,
    });
    const values = await registry.values();
    for (const t of values) {
      if (t.value === null)
        out.push({
          ok: false,
          what: 'token',
          message: `token '${t.info.name}' (${t.info.role}) has no value in the ${t.info.store}${t.error ? `: ${t.error}` : ''}`,
          hint: `remove it and make another: agor-relay token rm ${t.info.name} && agor-relay token add ${t.info.name} --role ${t.info.role}`,
        });
    }
    const usable = values.filter((t) => t.value !== null);
    const admins = usable.filter((t) => t.info.role === 'admin').length;
    if (!values.length) out.push({ ok: false, what: 'tokens', message: 'no tokens: no client can connect', hint: 'agor-relay token add NAME --role admin' });
    else if (!admins) out.push({ ok: false, what: 'tokens', message: 'no usable admin token', hint: 'agor-relay token add NAME --role admin' });
    else out.push({ ok: true, what: 'tokens', message: `${usable.length} usable token${usable.length === 1 ? '' : 's'}, ${admins} admin` });
  } catch (e) {
    out.push(failed('tokens', e));
  }
  try {
    // Read-only: a check changes nothing. A database not made yet is fine: the relay makes it, as any agor verb does.
    if (!existsSync(o.dbPath)) out.push({ ok: true, what: 'database', message: `no database at ${o.dbPath} yet: the relay creates it` });
    else {
      const { openReadOnly } = await import('../db/open.js');
      openReadOnly({ path: o.dbPath }).close();
      out.push({ ok: true, what: 'database', message: `the database ${o.dbPath} opens` });
    }
  } catch (e) {
    out.push(failed('database', e));
  }
  return out;
}
