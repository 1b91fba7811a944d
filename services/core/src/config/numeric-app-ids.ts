/**
 * Pusher's app ids are numbers, and the official Python SDK (`ValueError: Invalid app id`) and
 * the Go SDK's `ClientFromURL` refuse any other. Herald accepts any configured id but says so
 * at start-up, before a user's first trigger fails in their SDK.
 */
export function nonNumericAppIdWarning(appIds: readonly string[]): string | undefined {
  const others = appIds.filter((id) => !/^\d+$/.test(id));
  if (others.length === 0) return undefined;
  return `app ids ${others.map((id) => JSON.stringify(id)).join(', ')} are not numeric: the official Python and Go server SDKs refuse them (Pusher app ids are numbers)`;
}
