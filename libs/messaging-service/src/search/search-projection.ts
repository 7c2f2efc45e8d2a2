import { Message } from '@parley/domain';
import { ConversationEvent, LogRecord } from '@parley/ports';
import { SearchRepository } from './search.repository';

export const SEARCH_GROUP = 'parley-search';

/**
 * The search projection's view of the events topic (docs/adr/0015-search.md): a new message with
 * text is indexed, an edit entry re-indexes its target, a delete entry removes it; reactions and
 * every other event are ignored. Records of one conversation are applied in log order; a run of
 * new messages between edits and deletes is indexed in one statement.
 */
export class SearchProjection {
  constructor(private readonly repo: SearchRepository) {}

  async handleBatch(records: LogRecord<ConversationEvent>[]): Promise<void> {
    const lanes = new Map<string, ConversationEvent[]>();
    for (const record of records) {
      if (record.value.type !== 'message.created') continue;
      const key = record.value.message.conversation_id;
      const lane = lanes.get(key);
      if (lane) lane.push(record.value);
      else lanes.set(key, [record.value]);
    }
    const results = await Promise.allSettled([...lanes.values()].map((lane) => this.applyLane(lane)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** One conversation's events in log order; each run of new messages is indexed in one statement. */
  private async applyLane(lane: ConversationEvent[]): Promise<void> {
    let run: Message[] = [];
    for (const event of lane) {
      const toIndex = indexable(event);
      if (toIndex) {
        run.push(toIndex);
        continue;
      }
      if (run.length > 0) await this.repo.insert(run);
      run = [];
      await this.apply(event);
    }
    if (run.length > 0) await this.repo.insert(run);
  }

  async apply(event: ConversationEvent): Promise<void> {
    if (event.type !== 'message.created') return;
    const m = event.message;
    const toIndex = indexable(event);
    if (toIndex) await this.repo.insert([toIndex]);
    else if (m.kind === 'edit' && m.target_seq !== undefined) {
      await this.repo.edit(m.conversation_id, m.target_seq, m.seq, m.body.text, m.created_at);
    } else if (m.kind === 'delete' && m.target_seq !== undefined) {
      await this.repo.remove(m.conversation_id, m.target_seq);
    }
  }
}

/**
 * The message a `message.created` event adds to the index: a new message with text. A repeat
 * (created: false) or a tombstone is never (re)indexed; neither is a message without text.
 */
function indexable(event: ConversationEvent): Message | null {
  if (event.type !== 'message.created') return null;
  const m = event.message;
  if (m.kind !== undefined || !event.created || m.deleted_at !== undefined || m.body.text.trim() === '') return null;
  return m;
}
