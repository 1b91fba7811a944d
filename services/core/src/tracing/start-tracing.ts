/**
 * Starts OpenTelemetry tracing for one Herald process from the standard OTEL_* variables only
 * (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_EXPORTER_OTLP_PROTOCOL,
 * OTEL_TRACES_SAMPLER(_ARG), OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES, OTEL_BSP_*), with
 * `@opentelemetry/sdk-node`. Off unless an endpoint is set (or OTEL_SDK_DISABLED=true).
 *
 * Only traces: Herald's metrics are Prometheus (/metrics) and its logs go to stdout, so the
 * SDK's metric and log exporters are not started whatever OTEL_METRICS_EXPORTER says. No
 * auto-instrumentation either: the spans are Herald's own (api, gateway, presence, webhooks),
 * made where the work is, so an unsampled event costs nothing on the fan-out path.
 */
import { trace } from '@opentelemetry/api';
import { envDetector, hostDetector, osDetector, processDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { StackContextManager } from '@opentelemetry/sdk-trace';
import { type Tracing, tracingOff } from './tracing';

export interface TracingIdentity {
  /** service.name unless OTEL_SERVICE_NAME (or service.name in OTEL_RESOURCE_ATTRIBUTES) names one. */
  readonly serviceName: string;
  /** service.instance.id: the node (gateway worker, replica) id the logs and metrics use too. */
  readonly instanceId: string;
  readonly version: string;
}

export interface RunningTracing {
  readonly tracing: Tracing;
  /** Exports what is still buffered, then stops; the process calls it last when shutting down. */
  shutdown(): Promise<void>;
}

type Env = Readonly<Record<string, string | undefined>>;

/** Whether the OTEL_* variables ask for traces to be exported. */
export function tracingWanted(env: Env): boolean {
  if ((env.OTEL_SDK_DISABLED ?? '').trim().toLowerCase() === 'true') return false;
  if ((env.OTEL_TRACES_EXPORTER ?? '').trim().toLowerCase() === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim());
}

function namesService(env: Env): boolean {
  if (env.OTEL_SERVICE_NAME?.trim()) return true;
  return /(^|,)\s*service\.name\s*=/.test(env.OTEL_RESOURCE_ATTRIBUTES ?? '');
}

/** Starts the SDK (it reads process.env itself) when `env` asks for tracing; tracing off otherwise. */
export function startTracing(env: Env, identity: TracingIdentity): RunningTracing {
  if (!tracingWanted(env)) return { tracing: tracingOff(), shutdown: async () => {} };
  const sdk = new NodeSDK({
    // The base; OTEL_RESOURCE_ATTRIBUTES (envDetector) is merged over it, so an operator's value wins.
    resource: resourceFromAttributes({ 'service.instance.id': identity.instanceId, 'service.version': identity.version }),
    // Not the default set: its serviceInstanceIdDetector would replace the node id with a random one.
    resourceDetectors: [processDetector, hostDetector, osDetector, envDetector],
    ...(namesService(env) ? {} : { serviceName: identity.serviceName }),
    instrumentations: [],
    // Herald passes every span's context explicitly; a synchronous context manager is enough for
    // the log mixin, and avoids AsyncLocalStorage, whose promise hooks slow every request of the
    // process once a span has run (many-channels: 0.71× with 1 % sampling).
    contextManager: new StackContextManager(),
    metricReaders: [],
    logRecordProcessors: [],
  });
  sdk.start();
  const tracer = trace.getTracer('herald', identity.version);
  return { tracing: { enabled: true, tracer }, shutdown: () => sdk.shutdown() };
}
