/** Online/offline transitions → `pusher_internal:watchlist_events` for each watcher's sockets. */
import type { AppRegistry } from '../../core/src/apps/app-registry';
import { subjects } from '../../core/src/bus/subjects';
import { encodeEvent } from '../../core/src/codec/event-codec';
import { WATCHLIST_EVENTS } from '../../core/src/protocol/internal-events';
import type { OutgoingEvent } from './presence-events';
import type { UserChange, UserDirectory } from './user-directory';

export function watchlistEvents(changes: readonly UserChange[], directory: UserDirectory, apps: AppRegistry, cause: string, nowMs: number): OutgoingEvent[] {
  const events: OutgoingEvent[] = [];
  for (const change of changes) {
    if (!apps.byId(change.appId)?.watchlistEvents) continue;
    const data = JSON.stringify({ events: [{ name: change.kind, user_ids: [change.userId] }] });
    for (const watcher of directory.watchersOf(change.appId, change.userId)) {
      events.push({
        subject: subjects.user(change.appId, watcher),
        data: encodeEvent({
          id: `${cause}|watchlist|${change.kind}|${change.appId}|${change.userId}|${watcher}`,
          appId: change.appId,
          channel: '',
          name: WATCHLIST_EVENTS,
          data,
          publishedAtMs: nowMs,
          replicated: true,
        }),
      });
    }
  }
  return events;
}
