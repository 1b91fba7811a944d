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
