/**
 * The supervisor's tracer over the OpenTelemetry JS SDK: OTLP/HTTP (JSON) to
 * `${endpoint}/v1/traces` through a bounded batch queue. Built into dist/otel.cjs of its own
 * and loaded only when an endpoint is configured, so no short-lived binary carries the SDK.
 */
import { hostname } from 'node:os';
import { type Attributes, type Span as OtelSpan, ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type ReadableSpan, type SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Attrs, Span, Tracer } from './trace.js';

/** Spans waiting to be sent; beyond this they are dropped (and counted), never held in memory. */
const MAX_QUEUE = 2048;
const BATCH = 512;
const EXPORT_EVERY_MS = 2000;
/** One export's bound: a collector that accepts and never answers costs this, in the background. */
const EXPORT_TIMEOUT_MS = 5000;
const SHUTDOWN_MS = 2000;
/** At most one line per this long about failed exports in the supervisor's log. */
const COMPLAIN_EVERY_MS = 60_000;

export interface OtelOptions {
  /** The collector's base URL; spans go to `${endpoint}/v1/traces`. */
  endpoint: string;
  headers: Record<string, string>;
  serviceName: string;
  group: string;
  log: (line: string) => void;
}

/** Spans ended, exported and lost, as the supervisor reports them at shutdown. */
export interface OtelCounts {
  ended: number;
  exported: number;
  failed: number;
  dropped: number;
}

/** A tracer that also starts and ends spans at given times (a wait read afterwards from the database). */
export interface TimedTracer extends Tracer {
  startAt(name: string, attrs: Attrs, startMs: number, parent?: Span | null): Span;
  counts(): OtelCounts;
}

function clean(attrs: Attrs | undefined): Attributes {
  const out: Attributes = {};
  if (attrs) for (const [k, v] of Object.entries(attrs)) if (v !== null && v !== undefined) out[k] = v;
  return out;
}

/** Counts what reaches the exporter and what it could not send, and says so at most once a minute. */
class CountingExporter implements SpanExporter {
  exported = 0;
  failed = 0;
  private lastComplaint = 0;
  constructor(
    private readonly inner: SpanExporter,
    private readonly log: (line: string) => void,
    private readonly url: string,
  ) {}
  export(spans: ReadableSpan[], done: Parameters<SpanExporter['export']>[1]): void {
    this.inner.export(spans, (r) => {
      if (r.code === 0) this.exported += spans.length;
      else {
        this.failed += spans.length;
        if (Date.now() - this.lastComplaint >= COMPLAIN_EVERY_MS) {
          this.lastComplaint = Date.now();
          this.log(`traces: cannot export to ${this.url} (${r.error?.message ?? 'failed'}); ${this.failed} span(s) lost so far`);
        }
      }
      done(r);
    });
  }
  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

class OtelSpanWrap implements Span {
  constructor(
    readonly s: OtelSpan,
    private readonly onEnd: () => void,
  ) {}
  setAttributes(attrs: Attrs): void {
    this.s.setAttributes(clean(attrs));
  }
  end(o: { error?: string; attrs?: Attrs; atMs?: number } = {}): void {
    if (o.attrs) this.s.setAttributes(clean(o.attrs));
    if (o.error !== undefined) this.s.setStatus({ code: SpanStatusCode.ERROR, message: o.error });
    this.s.end(o.atMs);
    this.onEnd();
  }
}

/** Builds the SDK's tracer provider and wraps it in the supervisor's Tracer interface. */
export function startOtel(o: OtelOptions): TimedTracer {
  const url = `${o.endpoint.replace(/\/+$/, '')}/v1/traces`;
  const exporter = new CountingExporter(new OTLPTraceExporter({ url, headers: o.headers, timeoutMillis: EXPORT_TIMEOUT_MS }), o.log, url);
  const processor = new BatchSpanProcessor(exporter, {
    maxQueueSize: MAX_QUEUE,
    maxExportBatchSize: BATCH,
    scheduledDelayMillis: EXPORT_EVERY_MS,
    exportTimeoutMillis: EXPORT_TIMEOUT_MS,
  });
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': o.serviceName,
      'service.instance.id': `${hostname()}/${process.pid}`,
      'host.name': hostname(),
      'process.pid': process.pid,
      'agor.group': o.group,
    }),
    spanProcessors: [processor],
  });
  const sdk = provider.getTracer('agor', process.env.AGOR_VERSION);
  let ended = 0;
  const onEnd = () => void ended++;
  const begin = (name: string, attrs: Attrs | undefined, parent: Span | null | undefined, startTime?: number): Span => {
    const ctx = parent instanceof OtelSpanWrap ? trace.setSpan(ROOT_CONTEXT, parent.s) : ROOT_CONTEXT;
    return new OtelSpanWrap(sdk.startSpan(name, { attributes: clean(attrs), startTime }, ctx), onEnd);
  };
  const counts = (): OtelCounts => ({
    ended,
    exported: exporter.exported,
    failed: exporter.failed,
    // What neither reached the exporter nor waits in the queue was dropped at the queue's bound.
    dropped: Math.max(0, ended - exporter.exported - exporter.failed - ((processor as unknown as { _finishedSpans?: unknown[] })._finishedSpans?.length ?? 0)),
  });
  let stopping: Promise<void> | null = null;
  return {
    enabled: true,
    start: (name, attrs, parent) => begin(name, attrs, parent),
    startAt: (name, attrs, startMs, parent) => begin(name, attrs, parent, startMs),
    counts,
    shutdown() {
      // Flush what is queued, bounded: a dead collector must not hold the supervisor's exit.
      stopping ??= Promise.race([provider.shutdown().catch(() => undefined), new Promise<void>((r) => setTimeout(r, SHUTDOWN_MS).unref())]).then(() => {
        const c = counts();
        o.log(`traces: ${c.exported} span(s) exported, ${c.failed} failed, ${c.dropped} dropped`);
      });
      return stopping;
    },
  };
}
