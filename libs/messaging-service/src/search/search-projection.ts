import { ConversationEvent, LogRecord } from '@parley/ports';
import { SearchRepository } from './search.repository';

export const SEARCH_GROUP = 'parley-search';

/**
 * The search projection's view of the events topic (docs/adr/0015-search.md): a new message with
 * text is indexed, an edit entry re-indexes its target, a delete entry removes it; reactions and
 * every other event are ignored. Records of one conversation are applied in log order.
 */
export class SearchProjection {
  constructor(private readonly repo: SearchRepository) {}

  async handleBatch(records: LogRecord<ConversationEvent>[]): Promise<void> {
    const lanes = new Map<string, LogRecord<ConversationEvent>[]>();
    for (const record of records) {
      if (record.value.type !== 'message.created') continue;
      const key = record.value.message.conversation_id;
      const lane = lanes.get(key);
      if (lane) lane.push(record);
      else lanes.set(key, [record]);
    }
    const results = await Promise.allSettled([...lanes.values()].map(async (lane) => {
      for (const record of lane) await this.apply(record.value);
    }));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async apply(event: ConversationEvent): Promise<void> {
    if (event.type !== 'message.created') return;
    const m = event.message;
    if (m.kind === undefined) {
      // A repeat (created: false) or a tombstone is never (re)indexed; neither is a message without text.
      if (!event.created || m.deleted_at !== undefined || m.body.text.trim() === '') return;
      await this.repo.insert(m);
    } else if (m.kind === 'edit' && m.target_seq !== undefined) {
      await this.repo.edit(m.conversation_id, m.target_seq, m.seq, m.body.text, m.created_at);
    } else if (m.kind === 'delete' && m.target_seq !== undefined) {
      await this.repo.remove(m.conversation_id, m.target_seq);
    }
  }
}
