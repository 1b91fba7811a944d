/** Event names: who may use which prefix, and how long a name may be. */

const CLIENT_EVENT_PREFIX = 'client-';

export function isClientEventName(name: string): boolean {
  return name.startsWith(CLIENT_EVENT_PREFIX);
}

/** Names the protocol itself uses; nobody may publish them through the API or as client events. */
export function isReservedEventName(name: string): boolean {
  return name.startsWith('pusher:') || name.startsWith('pusher_internal:');
}

/** Why `name` cannot be triggered through the HTTP API, or null. */
export function apiEventNameProblem(name: unknown, maxLength: number): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'Event name is required';
  if (name.length > maxLength) return `Event name too long: ${name.length} characters, the limit is ${maxLength}`;
  if (isReservedEventName(name)) return `Event name ${JSON.stringify(name)} is reserved`;
  return null;
}
