/**
 * Coalesces what a socket is sent during one turn of the event loop into as few writes as
 * the load calls for.
 *
 * A fan-out costs one write system call per socket per event, and that call is most of the
 * gateway's CPU. When several events reach the same sockets in one turn (publishes that
 * arrive together, a burst from the bus), the socket is corked at its second frame and
 * uncorked after the turn's I/O (setImmediate), so the rest go out in one writev.
 *
 * The first frame of a turn goes straight out: holding it until the turn ends would make the
 * first subscriber wait for the whole loop over the others (at 5,000 subscribers this added
 * about 15 ms to p99 of a lone event). Once a turn has seen such a burst, the next turn
 * corks from the first frame, so a gateway that is behind pays one write per socket per turn.
 */
import type { Duplex } from 'node:stream';

/** A socket's stream and the turn of its last frame (kept by its owner, read and set here). */
export interface BatchedWire {
  readonly wire: Duplex;
  lastWriteTurn: number;
}

export class TurnBatchedWrites {
  /** Starts at 1 so that a new BatchedWire (lastWriteTurn 0) has not been written this turn. */
  private turn = 1;
  private corked: Duplex[] = [];
  private scheduled = false;
  /** Whether some socket got two frames in the current turn. */
  private burstThisTurn = false;
  /** Whether the previous turn had a burst: cork from each socket's first frame. */
  private corkFromFirstFrame = false;

  /**
   * What `target`'s client has not read yet, as it stood at the target's first frame of this
   * turn: once a turn has written to it, its own frames are not backlog, so this is 0 (the
   * caller measures the backlog before each frame, so it was within bounds at the first).
   */
  backlog(target: BatchedWire): number {
    return target.lastWriteTurn === this.turn ? 0 : target.wire.writableLength;
  }

  /** Sends `frame` now or, when this turn has already written to `target`, with the rest of the turn. */
  write(target: BatchedWire, frame: Buffer): void {
    const { wire } = target;
    if (target.lastWriteTurn === this.turn) {
      // A later frame of this turn: batch it and the rest of the turn's.
      this.burstThisTurn = true;
      // ws corks only inside its own synchronous send, so a corked stream here is one of ours.
      if (wire.writableCorked === 0) this.cork(wire);
      wire.write(frame);
      return;
    }
    target.lastWriteTurn = this.turn;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.endTurn);
    }
    if (this.corkFromFirstFrame) this.cork(wire);
    wire.write(frame);
  }

  private cork(wire: Duplex): void {
    wire.cork();
    this.corked.push(wire);
  }

  private readonly endTurn = (): void => {
    this.scheduled = false;
    this.turn += 1;
    this.corkFromFirstFrame = this.burstThisTurn;
    this.burstThisTurn = false;
    const corked = this.corked;
    this.corked = [];
    for (const wire of corked) wire.uncork();
  };
}
