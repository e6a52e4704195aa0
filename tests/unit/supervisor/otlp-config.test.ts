import { describe, expect, it } from 'vitest';
import { userError } from '../../helpers/errors.js';
import { ConfigError, type GroupConfig, parseConfig } from '../../../src/supervisor/config.js';
import { otlpSettings } from '../../../src/supervisor/tracing.js';

/** agor.yaml with one agent and `lines` at the top level after it; they start at line 5. */
const yaml = (...lines: string[]) => `group: g\nagents:\n  w:\n    command: [sh]\n${lines.map((l) => `${l}\n`).join('')}`;
const config = (...lines: string[]): GroupConfig => parseConfig(yaml(...lines), '/tmp/agor.yaml');
const error = (...lines: string[]): ConfigError => userError(() => config(...lines)) as ConfigError;

describe('otlp: in agor.yaml', () => {
  it('means no traces when absent or left empty', () => {
    expect(config().otlp).toBeNull();
    expect(config('otlp:').otlp).toBeNull();
    expect(otlpSettings(config(), {})).toBeNull();
  });

  it('reads the endpoint, headers and service name, with agor as the default name', () => {
    expect(config('otlp: { endpoint: "http://localhost:4318" }').otlp).toEqual({ endpoint: 'http://localhost:4318', headers: {}, serviceName: 'agor' });
    expect(
      config('otlp:', '  endpoint: https://otlp.example.com', '  headers: { Authorization: "Basic abc", X-Scope-OrgID: 7 }', '  service_name: team-a').otlp,
    ).toEqual({
      endpoint: 'https://otlp.example.com',
      headers: { Authorization: 'Basic abc', 'X-Scope-OrgID': '7' },
      serviceName: 'team-a',
    });
  });

  it('refuses a missing, non-URL or non-http(s) endpoint, a bad header and an unknown key, naming line and key', () => {
    expect(error('otlp:', '  service_name: x').message).toBe('/tmp/agor.yaml:6: otlp.endpoint: is required');
    expect(error('otlp:', '  endpoint: localhost:4318').message).toBe(`/tmp/agor.yaml:6: otlp.endpoint: 'localhost:4318' is not http or https (OTLP/HTTP)`);
    expect(error('otlp:', '  endpoint: not a url').message).toBe(`/tmp/agor.yaml:6: otlp.endpoint: 'not a url' is not a URL`);
    expect(error('otlp:', '  endpoint: http://x', '  headers: { "bad header": v }').message).toBe(
      '/tmp/agor.yaml:7: otlp.headers.bad header: is not a valid HTTP header name',
    );
    expect(error('otlp:', '  endpoint: http://x', '  headers: [a]').message).toContain('otlp.headers: must map header names to values');
    expect(error('otlp:', '  endpoint: http://x', '  protocol: grpc').message).toBe('/tmp/agor.yaml:7: otlp.protocol: unknown key');
  });

  it('lets AGOR_OTLP_ENDPOINT override the file’s endpoint and keep its headers', () => {
    const c = config('otlp:', '  endpoint: http://a:4318', '  headers: { K: v }');
    expect(otlpSettings(c, {})).toEqual({ endpoint: 'http://a:4318', headers: { K: 'v' }, serviceName: 'agor' });
    expect(otlpSettings(c, { AGOR_OTLP_ENDPOINT: 'http://b:4318' })).toEqual({ endpoint: 'http://b:4318', headers: { K: 'v' }, serviceName: 'agor' });
    expect(otlpSettings(config(), { AGOR_OTLP_ENDPOINT: 'http://b:4318' })).toMatchObject({ endpoint: 'http://b:4318' });
    expect(userError(() => otlpSettings(config(), { AGOR_OTLP_ENDPOINT: 'ftp://b' })).message).toContain('AGOR_OTLP_ENDPOINT');
  });
});
