import type { Span } from '@opentelemetry/api';
import { carryTrace, contextFrom, messagingAttributes, SpanKind, startSpan, traceparentOf } from '@parley/observability';
import { ConversationEvent, Delivery, GatewayDelivery, LogRecord, presenceRouteKey, PresenceStore, RouteTable, SESSIONS_ROUTE_KEY } from '@parley/ports';
import { GatewayBreaker } from './gateway-breaker';

export const FANOUT_GROUP = 'parley-fanout';

const spanOf = new WeakMap<object, Span>();

/** Counts fanout keeps for /metrics. */
export interface FanoutStats {
  onDelivered(gateways: number, events: number): void;
  onDeliveryFailed(gatewayId: string, err: unknown): void;
  /** A copy not sent because the gateway failed repeatedly and is cooling down (GatewayBreaker). */
  onDeliverySkipped?(gatewayId: string, events: number): void;
}

/**
 * Consumes conversation events and hands each gateway one copy. The cost of a message is one
 * route-table lookup plus one send per gateway that holds members: O(gateways), never O(members).
 * Within a batch, deliveries to one gateway keep the partition's order.
 *
 * A failed send to one gateway is counted and skipped, not retried: the route may lose a copy by
 * design, and gateways and clients fill seq gaps from the store. Retrying would hold back every
 * other gateway behind one dead one. A gateway that keeps failing (one that died, whose routes
 * stay until their TTL) is skipped for a cool-down rather than called for every batch (GatewayBreaker).
 */
export class ConversationEventsConsumer {
  constructor(
    private readonly routes: RouteTable,
    private readonly presence: PresenceStore,
    private readonly gateways: GatewayDelivery,
    private readonly stats: FanoutStats,
    private readonly breaker = new GatewayBreaker(),
  ) {}

  async handleBatch(records: LogRecord<ConversationEvent>[]): Promise<void> {
    const perGateway = new Map<string, Delivery[]>();
    const add = (gatewayId: string, event: ConversationEvent) => {
      const list = perGateway.get(gatewayId);
      if (list) list.push(event);
      else perGateway.set(gatewayId, [event]);
    };
    const routeCache = new Map<string, string[]>();
    const routesOf = async (key: string) => {
      let r = routeCache.get(key);
      if (!r) {
        r = await this.routes.gatewaysFor(key);
        routeCache.set(key, r);
      }
      return r;
    };

    // A traced event's fan-out is one step of its message's trace; its span's context goes with
    // each copy to the gateways (carryTrace), so their publish is the next step.
    const spans: Span[] = [];
    try {
      for (const record of records) {
        const span = this.spanFor(record);
        if (span) spans.push(span);
        const targets = await this.targets(record.value, routesOf);
        span?.setAttribute('parley.gateways', targets.size);
        const event = span ? carryTrace(record.value, traceparentOf(span)) : record.value;
        for (const gatewayId of targets) add(gatewayId, event);
      }
      await Promise.all(
        [...perGateway].map(async ([gatewayId, all]) => {
          let events = all;
          if (!this.breaker.allows(gatewayId)) {
            // A cooling-down gateway still gets the acks of sends it published: no store read
            // recovers a lost ack (a restarted gateway under the same id answers a client's resend).
            events = all.filter((e) => isAckFor(e, gatewayId));
            this.stats.onDeliverySkipped?.(gatewayId, all.length - events.length);
            for (const e of all) if (!events.includes(e)) spanOf.get(e)?.addEvent('delivery skipped (gateway cooling down)', { 'parley.gateway_id': gatewayId });
            if (events.length === 0) return;
          }
          try {
            await this.gateways.deliver(gatewayId, events);
            this.breaker.succeeded(gatewayId);
          } catch (err) {
            this.breaker.failed(gatewayId);
            this.stats.onDeliveryFailed(gatewayId, err);
            for (const e of events) spanOf.get(e)?.addEvent('delivery failed', { 'parley.gateway_id': gatewayId });
          }
        }),
      );
    } finally {
      for (const span of spans) span.end();
    }
    this.stats.onDelivered(perGateway.size, records.length);
  }

  /** A span for a record that names its trace (messages, rejections), under that trace. */
  private spanFor(record: LogRecord<ConversationEvent>): Span | null {
    const traceparent = record.headers.traceparent;
    if (!traceparent) return null;
    const event = record.value;
    const attributes = () => messagingAttributes('process', record.topic, {
      'messaging.consumer.group.name': FANOUT_GROUP,
      'messaging.destination.partition.id': String(record.partition),
      'messaging.kafka.offset': Number(record.offset),
      ...(event.type === 'message.created' ? { 'parley.conversation_id': event.message.conversation_id, 'parley.seq': event.message.seq } : {}),
      ...(event.type === 'send.rejected' ? { 'parley.conversation_id': event.conversation_id, 'parley.client_msg_id': event.client_msg_id } : {}),
    });
    const span = startSpan(`process ${record.topic}`, { kind: SpanKind.CONSUMER, attributes }, contextFrom(traceparent));
    spanOf.set(event, span);
    return span;
  }

  private async targets(event: ConversationEvent, routesOf: (key: string) => Promise<string[]>): Promise<Set<string>> {
    switch (event.type) {
      case 'message.created': {
        const set = new Set(await routesOf(event.message.conversation_id));
        if (event.origin) set.add(event.origin.gateway_id);
        return set;
      }
      case 'send.rejected':
        return new Set([event.origin.gateway_id]);
      case 'read.updated':
        // A large group's markers are for services only: no per-reader frame reaches any gateway.
        return event.services_only ? new Set() : new Set(await routesOf(event.conversation_id));
      case 'typing':
        return new Set(await routesOf(event.conversation_id));
      case 'member.added': {
        // Bounded: an add names at most MAX_MEMBERS_PER_REQUEST users; these are the new members'
        // own sockets, which must subscribe to the conversation.
        const set = new Set<string>();
        for (const userId of event.user_ids) for (const g of await this.presence.gatewaysForUser(userId)) set.add(g);
        return set;
      }
      case 'member.removed':
        // The leaver's gateways, and those of the remaining members (whose presence watches of the
        // leaver may end): one copy per gateway, whatever the group's size.
        return new Set([...(await this.presence.gatewaysForUser(event.user_id)), ...(await routesOf(event.conversation_id))]);
      case 'session.revoked':
        // Every gateway: each one caches session liveness, not only those holding the user's sockets.
        return new Set([...(await routesOf(SESSIONS_ROUTE_KEY)), ...(await this.presence.gatewaysForUser(event.user_id))]);
      case 'presence.changed':
        return new Set(await routesOf(presenceRouteKey(event.user_id)));
      case 'call.relay': {
        // The gateways holding the named users' sockets (a call has at most a handful of people).
        const set = new Set<string>();
        for (const userId of new Set(event.effects.flatMap((e) => e.to.map((t) => t.user_id)))) for (const g of await this.presence.gatewaysForUser(userId)) set.add(g);
        return set;
      }
    }
  }
}

/** A message or rejection whose sender's gateway is `gatewayId`: it carries that sender's ack. */
function isAckFor(e: ConversationEvent, gatewayId: string): boolean {
  return (e.type === 'message.created' || e.type === 'send.rejected') && e.origin?.gateway_id === gatewayId;
}
