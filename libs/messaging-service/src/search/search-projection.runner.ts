import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { Consumer, ConversationEvent, EVENT_LOG, EventLog, SQL_DB, SqlDb, Topics } from '@parley/ports';
import { SEARCH_PROJECTION_OPTIONS, SearchProjectionOptions } from './search-projection.options';
import { SEARCH_GROUP, SearchProjection } from './search-projection';
import { SearchRepository } from './search.repository';

/** Runs the search projection's consumer of the events topic beside the sequencer (docs/adr/0015-search.md). */
@Injectable()
export class SearchProjectionRunner implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private consumer: Consumer | null = null;
  private readonly projection: SearchProjection;

  constructor(
    @Inject(SQL_DB) db: SqlDb,
    @Inject(EVENT_LOG) private readonly log: EventLog,
    @Inject(SEARCH_PROJECTION_OPTIONS) private readonly options: SearchProjectionOptions,
  ) {
    this.projection = new SearchProjection(new SearchRepository(db));
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.options.run) return;
    this.consumer = await this.log.consume<ConversationEvent>({
      group: SEARCH_GROUP,
      topic: Topics.events,
      fromBeginning: true,
      maxBatch: 200,
      handleBatch: (records) => this.projection.handleBatch(records),
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.consumer?.stop();
    this.consumer = null;
  }
}
