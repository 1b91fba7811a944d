/**
 * A complete server→client WebSocket text frame (RFC 6455: FIN, opcode 1, unmasked, no
 * extensions) in one Buffer, built once per publish so that fan-out writes the very same bytes
 * to every subscriber's socket — what `ws.send()` would frame again for each socket.
 */
export function serverTextFrame(payload: Buffer | string): Buffer {
  // A string is encoded straight into the frame: no intermediate Buffer per event.
  const length = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length;
  const header = length < 126 ? 2 : length < 65536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(header + length);
  frame[0] = 0x81;
  if (length < 126) {
    frame[1] = length;
  } else if (length < 65536) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeUInt32BE(Math.floor(length / 2 ** 32), 2);
    frame.writeUInt32BE(length >>> 0, 6);
  }
  if (typeof payload === 'string') frame.write(payload, header);
  else payload.copy(frame, header);
  return frame;
}

/**
 * The payload of one frame as serverTextFrame builds it (FIN, text, unmasked), for tests that
 * read what was written to a socket. Throws on anything else.
 */
export function readServerTextFrame(frame: Buffer): string {
  if (frame[0] !== 0x81 || (frame[1] & 0x80) !== 0) throw new Error('not an unmasked, unfragmented text frame');
  const marker = frame[1] & 0x7f;
  const header = marker < 126 ? 2 : marker === 126 ? 4 : 10;
  const length = marker < 126 ? marker : marker === 126 ? frame.readUInt16BE(2) : frame.readUInt32BE(2) * 2 ** 32 + frame.readUInt32BE(6);
  if (frame.length !== header + length) throw new Error(`frame holds ${frame.length - header} payload bytes, its header says ${length}`);
  return frame.toString('utf8', header);
}

/** RFC 6455 allows a close reason of at most 123 bytes (125 for the payload, 2 for the code). */
const MAX_CLOSE_REASON_BYTES = 123;

/** `reason` cut to what a close frame can carry, at a character boundary (ws throws past the limit). */
export function closeReason(reason: string): string {
  const bytes = Buffer.from(reason);
  if (bytes.length <= MAX_CLOSE_REASON_BYTES) return reason;
  let end = MAX_CLOSE_REASON_BYTES;
  // bytes[end] is the first byte left out; if it continues a character, that character is left out whole.
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end -= 1;
  return bytes.toString('utf8', 0, end);
}
