/**
 * Dead letters in process memory (embedded mode), per app, oldest first, within a byte
 * budget: past it the oldest dead letter of any app is discarded, so a receiver down for
 * hours cannot grow the process without bound. Every operation is O(1) per letter.
 */
import { Node, Yallist } from 'yallist';
import { approximateEventBytes } from './webhook-event-size';
import type { DeadLetter } from './webhook-queue';

class Kept {
  readonly inApp = new Node<Kept>(this);
  readonly inAll = new Node<Kept>(this);
  readonly bytes: number;

  constructor(readonly letter: DeadLetter) {
    this.bytes = approximateEventBytes(letter.event) + letter.reason.length;
  }
}

export class MemoryDeadLetters {
  private readonly byApp = new Map<string, Yallist<Kept>>();
  private readonly all = new Yallist<Kept>();
  private bytes = 0;

  /** `onDiscard` hears about each dead letter discarded to stay within `maxBytes`. */
  constructor(
    private readonly maxBytes: number,
    private readonly onDiscard: (letter: DeadLetter) => void,
  ) {}

  add(letter: DeadLetter): void {
    const kept = new Kept(letter);
    let app = this.byApp.get(letter.event.appId);
    if (!app) {
      app = new Yallist<Kept>();
      this.byApp.set(letter.event.appId, app);
    }
    app.pushNode(kept.inApp);
    this.all.pushNode(kept.inAll);
    this.bytes += kept.bytes;
    while (this.bytes > this.maxBytes && this.all.head) {
      const oldest = this.all.head.value;
      this.remove(oldest);
      this.onDiscard(oldest.letter);
    }
  }

  list(appId: string): DeadLetter[] {
    return [...(this.byApp.get(appId) ?? [])].map((kept) => kept.letter);
  }

  /** Removes and returns the app's dead letters, oldest first. */
  take(appId: string): DeadLetter[] {
    const kept = [...(this.byApp.get(appId) ?? [])];
    for (const k of kept) this.remove(k);
    return kept.map((k) => k.letter);
  }

  private remove(kept: Kept): void {
    const app = this.byApp.get(kept.letter.event.appId);
    app?.removeNode(kept.inApp);
    if (app?.length === 0) this.byApp.delete(kept.letter.event.appId);
    this.all.removeNode(kept.inAll);
    this.bytes -= kept.bytes;
  }
}
