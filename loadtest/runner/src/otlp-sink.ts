/**
 * `node dist/loadtest/runner/src/otlp-sink.js PORT`: an OTLP/HTTP endpoint that takes every
 * export and throws it away, for `make bench` with tracing on (BENCH_TRACES_SAMPLER_ARG): what
 * is measured is Herald's side of tracing — spans made, batched, encoded and sent — not a
 * collector's. Prints how many exports and bytes it took when stopped.
 */
import { createServer } from 'node:http';

const port = Number(process.argv[2] ?? 4318);
let requests = 0;
let bytes = 0;
const server = createServer((request, response) => {
  request.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
  });
  request.on('end', () => {
    requests += 1;
    response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  });
});
server.listen(port, '127.0.0.1');
const report = () => {
  process.stdout.write(`otlp-sink: ${requests} exports, ${bytes} bytes\n`);
  process.exit(0);
};
process.on('SIGTERM', report);
process.on('SIGINT', report);
