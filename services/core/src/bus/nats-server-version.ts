/**
 * The oldest nats-server Herald runs on, checked once at connect so an old server fails at
 * start-up with a clear message, not later with an obscure JetStream error.
 * - JetStream key-value buckets (cache channels) need 2.6; nats.js reads them with direct
 *   get, which the server offers from 2.9.
 * - Message headers (2.2) carry webhook metadata and JetStream de-duplication ids.
 * The test suite, `make cluster` and `make bench` run the pinned release in
 * scripts/ensure-deps.sh (2.14.x).
 */
export const MIN_NATS_SERVER_VERSION = '2.9.0';

/** `major.minor.patch` of a server's version string (`2.14.9`, `v2.10.0-beta.1`). */
function parts(version: string): [number, number, number] | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version.trim());
  return match ? [Number(match[1]), Number(match[2]), Number(match[3])] : undefined;
}

/** Throws unless `version` is at least MIN_NATS_SERVER_VERSION. */
export function assertSupportedNatsServer(version: string | undefined, server: string): void {
  const have = version === undefined ? undefined : parts(version);
  const min = parts(MIN_NATS_SERVER_VERSION) as [number, number, number];
  const tooOld = have !== undefined && (have[0] - min[0] || have[1] - min[1] || have[2] - min[2]) < 0;
  if (have === undefined || tooOld) {
    throw new Error(
      `nats-server ${version ?? '(version unknown)'} at ${server} is not supported: Herald needs ${MIN_NATS_SERVER_VERSION} or later (JetStream key-value with direct get, message headers)`,
    );
  }
}
