/**
 * Reads a presence subscription's `channel_data` (`{"user_id":…,"user_info":…}`) and checks
 * Pusher's limits: user_id at most 128 characters, user_info at most 1 KB.
 */
import type { AppLimits } from '../../core/src/config/app-schema';
import { exceedsJsonDepth, MAX_JSON_DEPTH } from '../../core/src/protocol/json-depth';

export type ChannelDataResult = { readonly ok: true; readonly userId: string; readonly userInfo: string } | { readonly ok: false; readonly error: string };

export function parseChannelData(channelData: string, limits: AppLimits): ChannelDataResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(channelData);
  } catch {
    return { ok: false, error: 'channel_data must be a JSON object' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, error: 'channel_data must be a JSON object' };
  }
  const { user_id: rawId, user_info: info } = parsed as { user_id?: unknown; user_info?: unknown };
  if (typeof rawId !== 'string' && typeof rawId !== 'number') return { ok: false, error: 'channel_data.user_id is required' };
  const userId = String(rawId);
  if (userId.length === 0) return { ok: false, error: 'channel_data.user_id must not be empty' };
  if (userId.length > limits.maxUserIdLength) {
    return { ok: false, error: `user_id is ${userId.length} characters; the limit is ${limits.maxUserIdLength}` };
  }
  if (exceedsJsonDepth(info)) return { ok: false, error: `user_info is nested more than ${MAX_JSON_DEPTH} levels deep` };
  const userInfo = info === undefined ? '' : JSON.stringify(info);
  const size = Buffer.byteLength(userInfo);
  if (size > limits.maxPresenceUserInfoBytes) {
    return { ok: false, error: `user_info is ${size} bytes; the limit is ${limits.maxPresenceUserInfoBytes}` };
  }
  return { ok: true, userId, userInfo };
}
