import { X509Certificate, createHash } from 'node:crypto';

/**
 * A certificate's pin: `sha256/` and the base64 SHA-256 of its SubjectPublicKeyInfo (the
 * form of HPKP and curl's --pinnedpubkey). It names the key, not the certificate: a
 * certificate renewed over the same key keeps its pin.
 */
export function pinOf(cert: X509Certificate | Buffer | string): string {
  const x = cert instanceof X509Certificate ? cert : new X509Certificate(cert);
  const spki = x.publicKey.export({ type: 'spki', format: 'der' });
  return `sha256/${createHash('sha256').update(spki).digest('base64')}`;
}

/** A pin as a user may type it: `sha256/BASE64`; returns the canonical form or null. */
export function parsePin(s: string): string | null {
  const m = /^sha256\/([A-Za-z0-9+/]{43}=)$/.exec(s.trim());
  return m ? `sha256/${m[1]}` : null;
}
