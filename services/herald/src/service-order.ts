/**
 * The order a node starts its services in; ServiceGroup drains and stops them in the reverse
 * order. On SIGTERM that is:
 * - gateway first: its clients reconnect to another gateway (4200) while the api, presence and
 *   webhooks still serve them, and presence still hears its lease released;
 * - api next: no new publishes, and the ones under way finish while presence still answers;
 * - presence then: nothing in this process asks it any more; the other replicas take over;
 * - webhooks last: it delivers what the gateway and presence emitted before they stopped.
 * Starting in the reverse order means each service starts once what it relies on is up, and
 * the gateway, which brings in the clients, comes last.
 */
import type { HeraldService } from '../../core/src/service/service-lifecycle';

/** The services of one node, by role; a role the node does not run is left out. */
export interface NodeServices {
  readonly gateway?: HeraldService;
  readonly api?: HeraldService;
  readonly presence?: HeraldService;
  readonly webhooks?: HeraldService;
}

export function inStartOrder(services: NodeServices): HeraldService[] {
  const { webhooks, presence, api, gateway } = services;
  return [webhooks, presence, api, gateway].filter((s): s is HeraldService => s !== undefined);
}
