/**
 * Coalesces what each socket is sent during one turn of the event loop into one write.
 *
 * A fan-out costs one write system call per socket per event, and that call is most of the
 * gateway's CPU. When several events reach the same sockets in one turn (publishes that
 * arrive together, a burst from the bus), corking a socket at its first frame and uncorking
 * it after the turn's I/O (setImmediate) sends them all with one writev. A lone event waits
 * no longer than the rest of the current turn.
 */
import type { Duplex } from 'node:stream';

export class TurnBatchedWrites {
  private corked: Duplex[] = [];
  private scheduled = false;

  /**
   * Queues `frame` for `wire`, unless what the client has not yet read (measured at the
   * turn's first frame, before this turn's own frames are added) passes `maxBacklogBytes`:
   * then nothing is written and this returns false.
   */
  write(wire: Duplex, frame: Buffer, maxBacklogBytes: number): boolean {
    // ws corks only inside its own synchronous send, so a corked stream here is one of ours.
    if (wire.writableCorked === 0) {
      if (wire.writableLength > maxBacklogBytes) return false;
      wire.cork();
      this.corked.push(wire);
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(this.flush);
      }
    }
    wire.write(frame);
    return true;
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const corked = this.corked;
    this.corked = [];
    for (const wire of corked) wire.uncork();
  };
}
