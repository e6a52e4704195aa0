/**
 * Spans of the supervisor's work (a run, a wake, a control-socket request, a hook, an
 * approval wait), behind an interface that costs nothing while tracing is off. With an
 * OTLP endpoint configured, the supervisor loads the OpenTelemetry SDK (src/supervisor/otel.ts,
 * imported lazily) and installs its tracer here; everything else only calls tracer().
 */
export type Attrs = Record<string, string | number | boolean | null | undefined>;

export interface Span {
  setAttributes(attrs: Attrs): void;
  /** Ends the span; `error` marks it failed with that message. */
  end(o?: { error?: string; attrs?: Attrs }): void;
}

export interface Tracer {
  readonly enabled: boolean;
  /** Starts a span, a child of `parent` when given. */
  start(name: string, attrs?: Attrs, parent?: Span | null): Span;
  /** Sends what is queued (bounded in time) and stops. */
  shutdown(): Promise<void>;
}

export const NO_SPAN: Span = { setAttributes: () => undefined, end: () => undefined };

const NOOP: Tracer = { enabled: false, start: () => NO_SPAN, shutdown: async () => undefined };

let current: Tracer = NOOP;

/** The supervisor's tracer: a no-op unless setTracer installed a real one. */
export const tracer = (): Tracer => current;

/** Installs (or, with null, removes) the tracer every span goes to. */
export function setTracer(t: Tracer | null): void {
  current = t ?? NOOP;
}
