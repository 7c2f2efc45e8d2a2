import { Inject, Injectable, Module, OnApplicationBootstrap, BeforeApplicationShutdown } from '@nestjs/common';
import { Metrics, METRICS, Logger, LOGGER } from '@parley/observability';
import { Consumer, ConversationEvent, EVENT_LOG, EventLog, GATEWAY_DELIVERY, GatewayDelivery, PRESENCE_STORE, PresenceStore, ROUTE_TABLE, RouteTable, Topics } from '@parley/ports';
import { ConversationEventsConsumer, FANOUT_GROUP } from './conversation-events.consumer';

@Injectable()
export class FanoutRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: Consumer | null = null;
  private readonly handler: ConversationEventsConsumer;

  constructor(
    @Inject(EVENT_LOG) private readonly log: EventLog,
    @Inject(ROUTE_TABLE) routes: RouteTable,
    @Inject(PRESENCE_STORE) presence: PresenceStore,
    @Inject(GATEWAY_DELIVERY) gateways: GatewayDelivery,
    @Inject(METRICS) metrics: Metrics,
    @Inject(LOGGER) logger: Logger,
  ) {
    const batches = metrics.counter('parley_fanout_events_total', 'conversation events fanned out');
    const sends = metrics.counter('parley_fanout_gateway_sends_total', 'copies sent to gateways (one per gateway per batch)');
    const failures = metrics.counter('parley_fanout_gateway_failures_total', 'copies a gateway did not take', ['gateway']);
    const skipped = metrics.counter('parley_fanout_gateway_skipped_total', 'copies not sent to a gateway cooling down after repeated failures', ['gateway']);
    this.handler = new ConversationEventsConsumer(routes, presence, gateways, {
      onDelivered: (g, e) => {
        sends.inc(g);
        batches.inc(e);
      },
      onDeliveryFailed: (gatewayId, err) => {
        failures.inc({ gateway: gatewayId });
        logger.warn('delivery to gateway failed', { gateway: gatewayId, err });
      },
      onDeliverySkipped: (gatewayId) => skipped.inc({ gateway: gatewayId }),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.consumer = await this.log.consume<ConversationEvent>({
      group: FANOUT_GROUP,
      topic: Topics.events,
      // Fanout is about live sockets: a new group starts at the end, history is served by sync.
      fromBeginning: false,
      maxBatch: 500,
      handleBatch: (records) => this.handler.handleBatch(records),
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = null;
  }
}

@Module({ providers: [FanoutRunner] })
export class FanoutModule {}
