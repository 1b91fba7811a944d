/**
 * Every subject Herald uses, built in one place.
 *
 * A channel name may contain `.` (`private-App.Models.User.5`), which NATS reads as a token
 * separator, so names are escaped into a single token: bytes outside [A-Za-z0-9_\-=@,;#]
 * become `%XX`. `%` is not legal in a channel name, so the mapping is one-to-one.
 */
const TOKEN_SAFE = /^[A-Za-z0-9_\-=@,;#]*$/;

export function subjectToken(value: string): string {
  if (TOKEN_SAFE.test(value)) return value;
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && TOKEN_SAFE.test(ch) ? ch : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export const subjects = {
  /**
   * Events for one channel; gateways subscribe while they have a local subscriber. The kind
   * comes before the app so one wildcard (`herald.ch.>`) covers every app's channels and no
   * other subject: the event journal's stream captures exactly these and the user subjects.
   */
  channel: (appId: string, channel: string) => `herald.ch.${subjectToken(appId)}.${subjectToken(channel)}`,
  /** Server-to-user events and connection termination for one signed-in user. */
  user: (appId: string, userId: string) => `herald.user.${subjectToken(appId)}.${subjectToken(userId)}`,
  /** Api -> the event journal: "everything I published before this is stored?" (journal/). */
  journalMark: 'herald.journal.mark',
  /** Every channel and user subject, of every app, and the marks: what the event journal keeps. */
  journaled: ['herald.ch.>', 'herald.user.>', 'herald.journal.mark'],
  /** Gateway -> presence: GatewayUpdate (joins/leaves/counts), sometimes as a request. */
  presenceUpdates: 'herald.presence.updates',
  presenceLeases: 'herald.presence.leases',
  /** Gateway -> presence: full GatewayState, answering a SyncRequest. */
  presenceState: 'herald.presence.state',
  /** Api -> presence (queue group): channel queries. */
  presenceQuery: 'herald.presence.query',
  /** Presence -> gateways: "publish your state". */
  gatewaySync: (gatewayId: string) => `herald.gw.${gatewayId}.sync`,
  gatewaySyncAll: 'herald.gw.all.sync',
  /** Presence -> gateways: cluster-wide connections per app (ConnectionTotals). */
  connectionTotals: 'herald.presence.connections',
  /** Webhook events waiting for delivery; in cluster mode a JetStream stream holds them. */
  webhooks: (appId: string) => `herald.webhooks.${appId}`,
  webhooksAll: 'herald.webhooks.>',
} as const;

/** Queue group of presence replicas for queries any one replica can answer. */
export const PRESENCE_QUERY_QUEUE = 'herald-presence';
