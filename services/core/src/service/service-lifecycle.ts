/**
 * The lifecycle every Herald service has (gateway, api, presence, webhooks), so the CLI
 * starts and stops any mix of them the same way (service-group.ts).
 *
 * A service is built by its constructor (plain arguments, nothing started) and then:
 *   start → (serves) → drain → stop
 * The HTTP routes a service adds, and its readiness check, are wired by whoever owns the
 * HTTP server, before start; they are not part of this lifecycle.
 */
export interface HeraldService {
  /** Short and stable ("gateway", "api", …): for logs and error messages. */
  readonly name: string;

  /**
   * Resolves once the service takes work: subscribed to its subjects, consuming its queue,
   * its timers running. A service that must first gather state (a presence replica during
   * its sync grace) resolves without waiting for it and says so through its readiness check.
   * Called once.
   */
  start(): Promise<void>;

  /**
   * Stops taking new work and finishes, or hands off, what is in flight; resolves when that is
   * done. The gateway tells its clients to reconnect elsewhere (4200) at a bounded pace and
   * releases its lease; the api refuses new publishes and waits for those under way; a
   * presence replica hands channel queries to the other replicas while it still hears the
   * gateways; webhooks sends what is batched and waits for deliveries under way. While one
   * service drains the others still serve it, so drain order matters (service-group.ts).
   */
  drain(): Promise<void>;

  /**
   * Releases everything the service holds (subscriptions, timers, sockets); after it nothing
   * of the service runs. Safe to call more than once, and without drain first (what was in
   * flight is then cut off). The bus, stores and HTTP server it was given are not its own:
   * their owner closes them.
   */
  stop(): Promise<void>;
}
