/**
 * Kubernetes gives every pod, for each Service in its namespace, "service link" variables
 * named after the Service: for a Service `herald-gateway` on port 6001,
 *   HERALD_GATEWAY_SERVICE_HOST=10.0.0.7   HERALD_GATEWAY_SERVICE_PORT=6001
 *   HERALD_GATEWAY_SERVICE_PORT_WS=6001    (one per named port)
 *   HERALD_GATEWAY_PORT=tcp://10.0.0.7:6001
 *   HERALD_GATEWAY_PORT_6001_TCP=tcp://10.0.0.7:6001
 *   HERALD_GATEWAY_PORT_6001_TCP_PROTO=tcp  _PORT=6001  _ADDR=10.0.0.7
 * A Service named `herald` even sets HERALD_PORT=tcp://…, Herald's own port variable. Herald
 * refuses unknown HERALD_* variables to catch typos, so these are recognised by name *and*
 * value shape and ignored; anything else stays an error. (The chart also sets
 * enableServiceLinks: false; this keeps a pod started without it working.)
 */
const PROTO = '(TCP|UDP|SCTP)';
const LINK_URL = /^(tcp|udp|sctp):\/\/[^\s/]+:\d{1,5}$/;
const PORT_NUMBER = /^\d{1,5}$/;
const HOST = /^[0-9A-Za-z.:-]+$/;

/** [name suffix after the Service's prefix, value shape] */
const SHAPES: ReadonlyArray<readonly [RegExp, RegExp]> = [
  [/_SERVICE_HOST$/, HOST],
  [/_SERVICE_PORT(_[A-Z0-9_]+)?$/, PORT_NUMBER],
  [new RegExp(`_PORT_\\d{1,5}_${PROTO}_PROTO$`), /^(tcp|udp|sctp)$/],
  [new RegExp(`_PORT_\\d{1,5}_${PROTO}_PORT$`), PORT_NUMBER],
  [new RegExp(`_PORT_\\d{1,5}_${PROTO}_ADDR$`), HOST],
  [new RegExp(`_PORT_\\d{1,5}_${PROTO}$`), LINK_URL],
  [/_PORT$/, LINK_URL],
];

export function isKubernetesServiceLink(name: string, value: string): boolean {
  return SHAPES.some(([suffix, shape]) => suffix.test(name) && shape.test(value));
}
