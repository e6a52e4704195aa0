/**
 * Turns traces on for a supervisor when an endpoint is configured (AGOR_OTLP_ENDPOINT, else
 * `otlp.endpoint`): only then is the OpenTelemetry SDK loaded (dist/otel.cjs in the build).
 */
import { usage } from '../core/errors.js';
import type { GroupConfig } from './config.js';
import { DEFAULT_SERVICE_NAME, endpointProblem } from './otlp-config.js';
import { setTracer, tracer } from './trace.js';

/** The endpoint, headers and service name in force: the environment's endpoint overrides agor.yaml's. */
export function otlpSettings(config: GroupConfig, env: NodeJS.ProcessEnv = process.env) {
  const fromEnv = env.AGOR_OTLP_ENDPOINT?.trim();
  if (fromEnv) {
    const bad = endpointProblem(fromEnv);
    if (bad) throw usage(`AGOR_OTLP_ENDPOINT: ${bad}`, 'the collector base URL, e.g. http://localhost:4318; unset it to turn traces off');
  }
  const endpoint = fromEnv || config.otlp?.endpoint;
  if (!endpoint) return null;
  return { endpoint, headers: config.otlp?.headers ?? {}, serviceName: config.otlp?.serviceName ?? DEFAULT_SERVICE_NAME };
}

/** Installs the SDK's tracer when traces are configured; says so in the supervisor's log. */
export async function startTracing(config: GroupConfig, log: (line: string) => void): Promise<void> {
  const s = otlpSettings(config);
  if (!s) return;
  const { startOtel } = await import('./otel.js');
  setTracer(startOtel({ ...s, group: config.group, log }));
  log(`traces: exporting to ${s.endpoint}/v1/traces as ${s.serviceName}`);
}

/** Flushes what is queued (at most 2 s) and turns traces off. */
export async function stopTracing(): Promise<void> {
  const t = tracer();
  if (!t.enabled) return;
  await t.shutdown().catch(() => undefined);
  setTracer(null);
}
