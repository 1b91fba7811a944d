/** Pusher's webhook batching: at most this many events per POST, sent at most this long after the first. */
export const WEBHOOK_BATCH_MAX_EVENTS = 20;
export const WEBHOOK_BATCH_MAX_WAIT_MS = 250;
