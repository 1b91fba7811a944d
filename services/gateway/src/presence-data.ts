/** Turns presence members into the protocol's `{presence:{ids,hash,count}}` and member events. */
import type { PresenceData } from '../../core/src/protocol/frames';
import type { PresenceMember } from './presence-link';

function parseInfo(userInfo: string): unknown {
  if (!userInfo) return {};
  try {
    return JSON.parse(userInfo);
  } catch {
    return {};
  }
}

export function presenceData(members: readonly PresenceMember[]): PresenceData {
  const hash: Record<string, unknown> = {};
  const ids: string[] = [];
  for (const m of members) {
    if (Object.hasOwn(hash, m.userId)) continue;
    ids.push(m.userId);
    hash[m.userId] = parseInfo(m.userInfo);
  }
  return { ids, hash, count: ids.length };
}
