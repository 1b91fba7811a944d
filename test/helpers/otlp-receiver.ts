/**
 * A real OTLP/HTTP trace endpoint for tests: it accepts what the OpenTelemetry SDK's exporter
 * posts to `<endpoint>/v1/traces` (protobuf, the SDK's default, or JSON), decodes it and keeps
 * the spans, so a test can assert on whole traces across processes. The schema below is the
 * part of opentelemetry-proto's trace.proto a trace needs, with its field numbers.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import protobuf from 'protobufjs';
import { waitFor } from './wait';

const OTLP_TRACE_PROTO = `
syntax = "proto3";
package otlp;
message ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
message ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; }
message Span {
  bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; fixed32 flags = 16;
  string name = 5; SpanKind kind = 6; fixed64 start_time_unix_nano = 7; fixed64 end_time_unix_nano = 8;
  repeated KeyValue attributes = 9; uint32 dropped_attributes_count = 10;
  repeated Event events = 11; uint32 dropped_events_count = 12;
  repeated Link links = 13; uint32 dropped_links_count = 14; Status status = 15;
  enum SpanKind { SPAN_KIND_UNSPECIFIED = 0; SPAN_KIND_INTERNAL = 1; SPAN_KIND_SERVER = 2; SPAN_KIND_CLIENT = 3; SPAN_KIND_PRODUCER = 4; SPAN_KIND_CONSUMER = 5; }
  message Event { fixed64 time_unix_nano = 1; string name = 2; repeated KeyValue attributes = 3; uint32 dropped_attributes_count = 4; }
  message Link { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; repeated KeyValue attributes = 4; uint32 dropped_attributes_count = 5; fixed32 flags = 6; }
}
message Status { string message = 2; StatusCode code = 3; enum StatusCode { STATUS_CODE_UNSET = 0; STATUS_CODE_OK = 1; STATUS_CODE_ERROR = 2; } }
message KeyValue { string key = 1; AnyValue value = 2; }
message AnyValue { oneof value { string string_value = 1; bool bool_value = 2; int64 int_value = 3; double double_value = 4; ArrayValue array_value = 5; KeyValueList kvlist_value = 6; bytes bytes_value = 7; } }
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
`;

const root = protobuf.parse(OTLP_TRACE_PROTO, { keepCase: false }).root;
const ExportRequest = root.lookupType('otlp.ExportTraceServiceRequest');

export type SpanKindName = 'internal' | 'server' | 'client' | 'producer' | 'consumer' | 'unspecified';
const KINDS: SpanKindName[] = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];

export interface ReceivedSpan {
  readonly traceId: string;
  readonly spanId: string;
  /** '' for a root span. */
  readonly parentSpanId: string;
  readonly name: string;
  readonly kind: SpanKindName;
  readonly attributes: Record<string, unknown>;
  /** The exporting process's resource (service.name, service.instance.id, …). */
  readonly resource: Record<string, unknown>;
  readonly links: ReadonlyArray<{ traceId: string; spanId: string }>;
  readonly status: { code: 'unset' | 'ok' | 'error'; message: string };
  readonly durationMs: number;
}

export interface OtlpReceiver {
  /** For OTEL_EXPORTER_OTLP_ENDPOINT (the SDK appends /v1/traces). */
  readonly endpoint: string;
  readonly spans: ReceivedSpan[];
  /** Export requests that could not be decoded (a test asserts there were none). */
  readonly undecodable: number;
  waitForSpans(predicate: (spans: ReceivedSpan[]) => boolean, what: string, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

type Json = Record<string, unknown>;

function hex(value: unknown): string {
  if (typeof value === 'string') {
    // OTLP/JSON sends ids as hex already; protobufjs's toObject gives base64 for bytes.
    return /^[0-9a-f]*$/i.test(value) ? value.toLowerCase() : Buffer.from(value, 'base64').toString('hex');
  }
  return value ? Buffer.from(value as Uint8Array).toString('hex') : '';
}

function anyValue(value: Json | undefined): unknown {
  if (!value) return undefined;
  if ('stringValue' in value) return value.stringValue;
  if ('boolValue' in value) return value.boolValue;
  if ('intValue' in value) return Number(value.intValue);
  if ('doubleValue' in value) return Number(value.doubleValue);
  if ('arrayValue' in value) return ((value.arrayValue as Json).values as Json[] | undefined)?.map(anyValue) ?? [];
  if ('kvlistValue' in value) return attributes((value.kvlistValue as Json).values as Json[] | undefined);
  return undefined;
}

function attributes(list: Json[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of list ?? []) out[kv.key as string] = anyValue(kv.value as Json | undefined);
  return out;
}

function kindName(kind: unknown): SpanKindName {
  if (typeof kind === 'number') return KINDS[kind] ?? 'unspecified';
  const name = String(kind ?? '')
    .replace('SPAN_KIND_', '')
    .toLowerCase();
  return (KINDS as string[]).includes(name) ? (name as SpanKindName) : 'unspecified';
}

function statusCode(code: unknown): 'unset' | 'ok' | 'error' {
  if (code === 1 || code === 'STATUS_CODE_OK') return 'ok';
  if (code === 2 || code === 'STATUS_CODE_ERROR') return 'error';
  return 'unset';
}

function spansOf(request: Json): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const rs of (request.resourceSpans as Json[] | undefined) ?? []) {
    const resource = attributes((rs.resource as Json | undefined)?.attributes as Json[] | undefined);
    for (const ss of (rs.scopeSpans as Json[] | undefined) ?? []) {
      for (const s of (ss.spans as Json[] | undefined) ?? []) {
        const status = (s.status as Json | undefined) ?? {};
        out.push({
          traceId: hex(s.traceId),
          spanId: hex(s.spanId),
          parentSpanId: hex(s.parentSpanId),
          name: s.name as string,
          kind: kindName(s.kind),
          attributes: attributes(s.attributes as Json[] | undefined),
          resource,
          links: ((s.links as Json[] | undefined) ?? []).map((l) => ({ traceId: hex(l.traceId), spanId: hex(l.spanId) })),
          status: { code: statusCode(status.code), message: (status.message as string | undefined) ?? '' },
          durationMs: (Number(BigInt(String(s.endTimeUnixNano ?? 0)) - BigInt(String(s.startTimeUnixNano ?? 0))) || 0) / 1e6,
        });
      }
    }
  }
  return out;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function decode(body: Buffer, contentType: string): Json {
  if (contentType.includes('json')) return JSON.parse(body.toString('utf8')) as Json;
  const message = ExportRequest.decode(body);
  return ExportRequest.toObject(message, { longs: String, enums: Number, bytes: String, defaults: false }) as Json;
}

export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ReceivedSpan[] = [];
  let undecodable = 0;
  const server: Server = createServer((request, response) => {
    void (async () => {
      const raw = await readBody(request);
      if (request.method !== 'POST' || request.url !== '/v1/traces') {
        response.writeHead(404).end();
        return;
      }
      const contentType = String(request.headers['content-type'] ?? '');
      try {
        const body = request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
        spans.push(...spansOf(decode(body, contentType)));
      } catch {
        undecodable += 1;
        response.writeHead(400).end();
        return;
      }
      // An empty ExportTraceServiceResponse: no partial_success, in the request's encoding.
      if (contentType.includes('json')) response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      else response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans,
    get undecodable() {
      return undecodable;
    },
    async waitForSpans(predicate, what, timeoutMs = 15_000) {
      await waitFor(() => predicate(spans), what, timeoutMs);
      return spans;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
