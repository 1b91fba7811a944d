/**
 * Event names Herald uses between its own services on user subjects. They are acted on by
 * the gateway and never reach a client.
 */

/** Close every connection of the user (HTTP API terminate_connections). */
export const TERMINATE_CONNECTIONS_EVENT = 'herald_internal:terminate_connections';

/** Pusher's watchlist event, sent to a watcher's sockets (no channel). */
export const WATCHLIST_EVENTS = 'pusher_internal:watchlist_events';
