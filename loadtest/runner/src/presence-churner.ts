/**
 * Presence churn: members leave their presence channel and join it again (with freshly
 * signed channel_data carrying the join time) at a fixed rate. All members of one channel
 * live in the same worker, so the worker knows the true membership and can check that every
 * member's view (subscription_succeeded + member_added/removed) converged to it.
 */
import { nowMs, sleep } from './clock';
import type { ConnectionSet, HeldConnection } from './connection-set';
import { LatencyHistogram } from './latency-histogram';
import type { ChurnResult, PresenceCheckResult } from './worker-protocol';

function presenceMembers(set: ConnectionSet): HeldConnection[] {
  return set.held.filter((held) => held.spec.channel?.startsWith('presence-'));
}

export async function churn(set: ConnectionSet, ratePerSecond: number, durationMs: number): Promise<ChurnResult> {
  const members = presenceMembers(set);
  const busy = new Set<HeldConnection>();
  const joinLatency = new LatencyHistogram();
  const joinFailures: Record<string, number> = {};
  const rejoins: Promise<void>[] = [];
  let leaves = 0;
  let joins = 0;

  const rejoin = async (held: HeldConnection) => {
    const { connection, spec } = held;
    await sleep(100 + Math.random() * 400);
    const t0 = nowMs();
    try {
      await connection.subscribe(spec.channel!, set.authFor(connection, spec.channel!, spec.userId));
      joinLatency.recordMs(nowMs() - t0);
      joins += 1;
    } catch (err) {
      const reason = (err as Error).message;
      joinFailures[reason] = (joinFailures[reason] ?? 0) + 1;
    } finally {
      busy.delete(held);
    }
  };

  const start = nowMs();
  for (;;) {
    const elapsed = nowMs() - start;
    if (elapsed >= durationMs || members.length === 0) break;
    const due = Math.floor((elapsed / 1000) * ratePerSecond);
    while (leaves < due) {
      const free = members.filter((m) => !busy.has(m) && m.connection.open && m.connection.subscribed.has(m.spec.channel!));
      if (free.length === 0) break;
      const held = free[Math.floor(Math.random() * free.length)];
      busy.add(held);
      held.connection.unsubscribe(held.spec.channel!);
      leaves += 1;
      rejoins.push(rejoin(held));
    }
    await sleep(10);
  }
  await Promise.all(rejoins);
  return { leaves, joins, joinFailures, joinLatency: joinLatency.encode() };
}

/** Compares each subscribed member's view of its channel with the worker's own truth. */
export function checkPresence(set: ConnectionSet): PresenceCheckResult {
  const truth = new Map<string, Set<string>>();
  const members = presenceMembers(set);
  for (const { spec, connection } of members) {
    if (!connection.subscribed.has(spec.channel!)) continue;
    const users = truth.get(spec.channel!) ?? new Set<string>();
    users.add(spec.userId!);
    truth.set(spec.channel!, users);
  }
  let views = 0;
  let consistent = 0;
  let firstMismatch: string | undefined;
  for (const { spec, connection } of members) {
    const channel = spec.channel!;
    if (!connection.subscribed.has(channel)) continue;
    views += 1;
    const view = connection.members.get(channel) ?? new Set<string>();
    const expected = truth.get(channel)!;
    const same = view.size === expected.size && [...expected].every((user) => view.has(user));
    if (same) consistent += 1;
    else firstMismatch ??= `${spec.userId} on ${channel} sees ${view.size} members, ${expected.size} are subscribed`;
  }
  return { views, consistent, firstMismatch };
}
