/** Where each command listens unless --port / HERALD_PORT says otherwise. */
export const DEFAULT_PORTS = {
  embedded: 6001,
  all: 6001,
  gateway: 6001,
  api: 6002,
  presence: 6003,
  webhooks: 6004,
} as const;
