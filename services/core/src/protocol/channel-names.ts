/**
 * Pusher channel names: the characters Pusher allows, the prefixes that give a channel its
 * type, and the reserved `#server-to-user-` namespace the server SDKs use for sendToUser.
 */

export type ChannelType = 'public' | 'private' | 'presence' | 'encrypted';

export interface ChannelKind {
  readonly type: ChannelType;
  /** `cache-` variants keep their last event and replay it to new subscribers. */
  readonly cache: boolean;
}

export const SERVER_TO_USER_PREFIX = '#server-to-user-';

// Longest prefixes first: `private-encrypted-cache-` must win over `private-`.
const PREFIXES: ReadonlyArray<readonly [string, ChannelKind]> = [
  ['private-encrypted-cache-', { type: 'encrypted', cache: true }],
  ['private-encrypted-', { type: 'encrypted', cache: false }],
  ['private-cache-', { type: 'private', cache: true }],
  ['private-', { type: 'private', cache: false }],
  ['presence-cache-', { type: 'presence', cache: true }],
  ['presence-', { type: 'presence', cache: false }],
  ['cache-', { type: 'public', cache: true }],
];
const PUBLIC: ChannelKind = { type: 'public', cache: false };

export function classifyChannel(name: string): ChannelKind {
  for (const [prefix, kind] of PREFIXES) if (name.startsWith(prefix)) return kind;
  return PUBLIC;
}

/** Private, presence and encrypted channels need a signed `auth` to subscribe. */
export function requiresAuth(kind: ChannelKind): boolean {
  return kind.type !== 'public';
}

const LEGAL_NAME = /^[A-Za-z0-9_\-=@,.;]+$/;

/**
 * Why `name` is not a channel a client may subscribe to, or null when it is.
 * Pusher documents 164 characters; its official server SDK sends up to 200, so the
 * limit is configurable and defaults to 200.
 */
export function channelNameProblem(name: unknown, maxLength: number): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'Channel name is required';
  if (name.length > maxLength) return `Channel name too long: ${name.length} characters, the limit is ${maxLength}`;
  if (name.startsWith('#')) return `Channel name ${JSON.stringify(name)} is reserved`;
  if (!LEGAL_NAME.test(name)) return `Channel name ${JSON.stringify(name)} contains characters outside [A-Za-z0-9_-=@,.;]`;
  return null;
}

/** Like channelNameProblem, but also accepts `#server-to-user-<id>`, which only servers publish to. */
export function publishChannelNameProblem(name: unknown, maxLength: number): string | null {
  if (typeof name === 'string' && name.startsWith(SERVER_TO_USER_PREFIX)) {
    const userId = name.slice(SERVER_TO_USER_PREFIX.length);
    if (userId.length === 0) return 'Server-to-user channel needs a user id';
    if (name.length > maxLength) return `Channel name too long: ${name.length} characters, the limit is ${maxLength}`;
    return null;
  }
  return channelNameProblem(name, maxLength);
}
