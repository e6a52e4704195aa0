import { type Node, isMap, isScalar } from 'yaml';
import { type Ctx, entries, fail, isEmpty, str } from './yaml.js';

/** Where the supervisor sends its traces (`otlp:` in agor.yaml). */
export interface OtlpConfig {
  /** The collector's base URL (http or https); spans go to `${endpoint}/v1/traces`. */
  endpoint: string;
  /** Sent with every export, e.g. a collector's API key. */
  headers: Record<string, string>;
  serviceName: string;
}

export const DEFAULT_SERVICE_NAME = 'agor';
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const ENDPOINT_HINT = 'the collector base URL, e.g. http://localhost:4318 (spans go to ENDPOINT/v1/traces)';

/** Checks a collector URL: http(s), with a host. Returns the refusal, or null when it is usable. */
export function endpointProblem(v: string): string | null {
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    return `'${v}' is not a URL`;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return `'${v}' is not http or https (OTLP/HTTP)`;
  if (!u.hostname) return `'${v}' names no host`;
  return null;
}

/** Parses `otlp: { endpoint, headers, service_name }`; absent or empty means no traces. */
export function parseOtlp(ctx: Ctx, node: Node | null | undefined): OtlpConfig | null {
  if (!node || isEmpty(node)) return null;
  if (!isMap(node)) fail(ctx, node, 'otlp', 'must be a map', `e.g. otlp: { endpoint: http://localhost:4318 }`);
  const e = entries(ctx, node, 'otlp', ['endpoint', 'headers', 'service_name']);
  const ep = e.get('endpoint')?.value;
  if (!ep) fail(ctx, node, 'otlp.endpoint', 'is required', ENDPOINT_HINT);
  const endpoint = str(ctx, ep, 'otlp.endpoint');
  const bad = endpointProblem(endpoint);
  if (bad) fail(ctx, ep, 'otlp.endpoint', bad, ENDPOINT_HINT);
  const headers: Record<string, string> = {};
  const h = e.get('headers')?.value;
  if (h && !isEmpty(h)) {
    if (!isMap(h)) fail(ctx, h, 'otlp.headers', 'must map header names to values', 'e.g. headers: { Authorization: "Basic ..." }');
    for (const pair of h.items) {
      const name = isScalar(pair.key) ? String(pair.key.value) : '';
      if (!HEADER_NAME.test(name)) fail(ctx, pair.key as Node, `otlp.headers.${name}`, 'is not a valid HTTP header name');
      const v = isScalar(pair.value) ? pair.value.value : undefined;
      if (typeof v !== 'string' && typeof v !== 'number') fail(ctx, pair.value as Node, `otlp.headers.${name}`, 'must be a string');
      if (/[\r\n]/.test(String(v))) fail(ctx, pair.value as Node, `otlp.headers.${name}`, 'must be one line');
      headers[name] = String(v);
    }
  }
  const sn = e.get('service_name')?.value;
  const serviceName = sn && !isEmpty(sn) ? str(ctx, sn, 'otlp.service_name') : DEFAULT_SERVICE_NAME;
  return { endpoint, headers, serviceName };
}
