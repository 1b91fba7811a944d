/**
 * Event data that carries its send time: `{"t":<ms>,"s":<seq>,"p":"xxx…"}`, padded to the
 * requested size. Subscribers find the timestamp by searching the raw frame for the marker
 * instead of parsing JSON, so that the runner's receive path stays far cheaper than the
 * server's send path (runner and server share the machine).
 */
export function timestampedData(sentAtMs: number, seq: number, payloadBytes: number): string {
  const head = `{"t":${sentAtMs.toFixed(3)},"s":${seq},"p":"`;
  const padding = Math.max(0, payloadBytes - head.length - 2);
  return `${head}${'x'.repeat(padding)}"}`;
}

/** As the data appears inside a channel event frame: a JSON string, so its quotes are escaped. */
const ESCAPED_MARKER = Buffer.from('{\\"t\\":', 'latin1');
/** As it appears when the data is relayed as an object (client events, as pusher-js sends them). */
const PLAIN_MARKER = Buffer.from('{"t":', 'latin1');

const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
const DOT = 0x2e;

/** The send time in a frame holding timestamped data, or -1 when the frame holds none. */
export function findSentAt(frame: Buffer, start: number, end: number): number {
  let at = frame.indexOf(ESCAPED_MARKER, start);
  let from: number;
  if (at >= 0 && at < end) {
    from = at + ESCAPED_MARKER.length;
  } else {
    at = frame.indexOf(PLAIN_MARKER, start);
    if (at < 0 || at >= end) return -1;
    from = at + PLAIN_MARKER.length;
  }
  // Parsed by hand: no string is allocated per message.
  let whole = 0;
  let fraction = 0;
  let scale = 1;
  let dot = false;
  let digits = 0;
  for (let i = from; i < end; i += 1) {
    const c = frame[i];
    if (c >= DIGIT_0 && c <= DIGIT_9) {
      digits += 1;
      if (dot) {
        fraction = fraction * 10 + (c - DIGIT_0);
        scale *= 10;
      } else whole = whole * 10 + (c - DIGIT_0);
    } else if (c === DOT && !dot) dot = true;
    else break;
  }
  return digits === 0 ? -1 : whole + fraction / scale;
}
