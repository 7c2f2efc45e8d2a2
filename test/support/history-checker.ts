/**
 * The history checker ends every end-to-end test. It records what clients sent, which acks they got
 * and what each connection delivered, then reads the store back through the public REST history and
 * checks the guarantees of the contract (shared/api/v1.md, "Guarantees"):
 *
 * - per conversation the stored seqs are 1..N, dense and unique, and no (sender, client_msg_id) is stored twice;
 * - every persisted ack names a stored message with the same seq and id (nothing acknowledged is lost),
 *   and all acks of one (sender, conversation, client_msg_id) agree;
 * - every delivered message is the stored one (same id, seq, sender, client_msg_id, text);
 * - within one connection a conversation's messages arrive in increasing seq, never twice, except that
 *   after the connection asked for a `sync` the messages above that sync's after_seq may come again;
 * - optionally, every listed client received every message of a conversation over its connections.
 */
import type { HistoryPage, WireConversation, WireMessage } from './contract';
import { checkLifecycle, textMayDiffer } from './lifecycle-checks';

export interface StoredHistory {
  messages: WireMessage[];
  /** The conversation's `last_seq` as the server reports it, or null when the reader cannot tell. */
  lastSeq: number | null;
}

/** Reads one conversation's whole stored history, in the order the server returns it. */
export type HistoryReader = (conversationId: string, token: string) => Promise<StoredHistory>;

export interface AckRecord {
  conversationId: string;
  senderId: string;
  clientMsgId: string;
  seq: number;
  messageId: string;
  via: 'ws' | 'rest';
}

export interface SendRecord {
  clientId: string;
  senderId: string;
  conversationId: string;
  clientMsgId: string;
  text: string;
}

export interface VerifyReport {
  conversations: number;
  storedMessages: number;
  acks: number;
  deliveries: number;
}

type ConnectionEvent =
  | { kind: 'sync'; conversationId: string; afterSeq: number }
  | { kind: 'delivery'; message: WireMessage };

interface CompletenessExpectation {
  conversationId: string;
  clientIds: string[];
  afterSeq: number;
}

const HISTORY_PAGE_LIMIT = 100;
/** Bounds the paging loop: 10,000 pages of 100 is far beyond any test's history. */
const MAX_HISTORY_PAGES = 10_000;
/** The error lists at most this many violations; the count of the rest follows. */
const MAX_REPORTED = 25;

/** Pages through `GET /v1/conversations/{id}/messages?after_seq=` and reads the conversation's last_seq. */
export function restHistoryReader(baseUrl: string): HistoryReader {
  return async (conversationId, token) => {
    const headers = { authorization: `Bearer ${token}` };
    const messages: WireMessage[] = [];
    let afterSeq = 0;
    for (let page = 0; ; page++) {
      if (page >= MAX_HISTORY_PAGES) throw new Error(`history of ${conversationId}: more than ${MAX_HISTORY_PAGES} pages`);
      const url = `${baseUrl}/v1/conversations/${encodeURIComponent(conversationId)}/messages?after_seq=${afterSeq}&limit=${HISTORY_PAGE_LIMIT}`;
      const res = await fetch(url, { headers, signal: AbortSignal.timeout(30_000) });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`GET history of ${conversationId} after_seq=${afterSeq}: ${res.status} ${text.slice(0, 500)}`);
      const body = JSON.parse(text) as HistoryPage;
      if (!Array.isArray(body.messages) || typeof body.has_more !== 'boolean') {
        throw new Error(`history page of ${conversationId} does not have {messages, has_more}: ${text.slice(0, 500)}`);
      }
      messages.push(...body.messages);
      if (!body.has_more) break;
      const last = body.messages[body.messages.length - 1];
      if (last === undefined || last.seq <= afterSeq) {
        throw new Error(`history of ${conversationId}: has_more is true but the page after_seq=${afterSeq} does not advance`);
      }
      afterSeq = last.seq;
    }
    const convRes = await fetch(`${baseUrl}/v1/conversations/${encodeURIComponent(conversationId)}`, {
      headers,
      signal: AbortSignal.timeout(30_000),
    });
    const convText = await convRes.text();
    if (convRes.status !== 200) throw new Error(`GET conversation ${conversationId}: ${convRes.status} ${convText.slice(0, 500)}`);
    const conversation = JSON.parse(convText) as WireConversation;
    return { messages, lastSeq: typeof conversation.last_seq === 'number' ? conversation.last_seq : null };
  };
}

export class HistoryChecker {
  private readonly reader: HistoryReader;
  private readonly acks: AckRecord[] = [];
  private readonly sends: SendRecord[] = [];
  /** clientId -> connectionId -> events in arrival order. */
  private readonly connections = new Map<string, Map<string, ConnectionEvent[]>>();
  private readonly readers = new Map<string, string>();
  private readonly expectations: CompletenessExpectation[] = [];
  private readonly conversationIds = new Set<string>();
  private deliveryCount = 0;

  constructor(source: string | HistoryReader) {
    this.reader = typeof source === 'string' ? restHistoryReader(source) : source;
  }

  /** Names a member whose token reads this conversation's history (else verify's default token is used). */
  addReader(conversationId: string, token: string): void {
    this.conversationIds.add(conversationId);
    this.readers.set(conversationId, token);
  }

  /** Makes verify read this conversation even if nothing was recorded for it. */
  watch(conversationId: string): void {
    this.conversationIds.add(conversationId);
  }

  recordSend(send: SendRecord): void {
    this.conversationIds.add(send.conversationId);
    this.sends.push({ ...send });
  }

  recordAck(ack: AckRecord): void {
    this.conversationIds.add(ack.conversationId);
    this.acks.push({ ...ack });
  }

  /** A `sync` frame sent on this connection: deliveries above afterSeq may repeat from here on. */
  recordSync(clientId: string, connectionId: string, conversationId: string, afterSeq: number): void {
    // A sync alone stores nothing, so it does not make verify read the conversation (it may not exist).
    this.eventsOf(clientId, connectionId).push({ kind: 'sync', conversationId, afterSeq });
  }

  recordDelivery(clientId: string, connectionId: string, message: WireMessage): void {
    this.conversationIds.add(message.conversation_id);
    this.deliveryCount++;
    this.eventsOf(clientId, connectionId).push({ kind: 'delivery', message: copyMessage(message) });
  }

  /** Every listed client must have received every stored message with seq > afterSeq (over any connection). */
  expectCompleteDelivery(conversationId: string, clientIds: string[], opts: { afterSeq?: number } = {}): void {
    this.conversationIds.add(conversationId);
    this.expectations.push({ conversationId, clientIds: [...clientIds], afterSeq: opts.afterSeq ?? 0 });
  }

  /** Reads every recorded conversation back and throws an Error listing the first violations. */
  async verify(defaultToken?: string): Promise<VerifyReport> {
    const violations: string[] = [];
    const stores = new Map<string, Map<number, WireMessage>>();
    let storedMessages = 0;

    for (const conversationId of [...this.conversationIds].sort()) {
      const token = this.readers.get(conversationId) ?? defaultToken;
      if (token === undefined) {
        violations.push(`conversation ${conversationId}: no reader token to read its history`);
        continue;
      }
      const history = await this.reader(conversationId, token);
      storedMessages += history.messages.length;
      stores.set(conversationId, this.checkStore(conversationId, history, violations));
    }

    this.checkAcks(stores, violations);
    this.checkSends(stores, violations);
    this.checkDeliveries(stores, violations);
    this.checkCompleteness(stores, violations);

    if (violations.length > 0) {
      const shown = violations.slice(0, MAX_REPORTED).map((v, i) => `  ${i + 1}. ${v}`);
      const more = violations.length > MAX_REPORTED ? `\n  ... and ${violations.length - MAX_REPORTED} more` : '';
      throw new Error(`history check failed with ${violations.length} violation(s):\n${shown.join('\n')}${more}`);
    }
    return {
      conversations: stores.size,
      storedMessages,
      acks: this.acks.length,
      deliveries: this.deliveryCount,
    };
  }

  private eventsOf(clientId: string, connectionId: string): ConnectionEvent[] {
    let byConnection = this.connections.get(clientId);
    if (byConnection === undefined) {
      byConnection = new Map();
      this.connections.set(clientId, byConnection);
    }
    let events = byConnection.get(connectionId);
    if (events === undefined) {
      events = [];
      byConnection.set(connectionId, events);
    }
    return events;
  }

  private checkStore(conversationId: string, history: StoredHistory, violations: string[]): Map<number, WireMessage> {
    const bySeq = new Map<number, WireMessage>();
    const byKey = new Map<string, WireMessage>();
    const ids = new Map<string, number>();
    let previous = 0;
    for (const m of history.messages) {
      if (m.conversation_id !== conversationId) {
        violations.push(`conversation ${conversationId}: history returned message ${m.id} of conversation ${m.conversation_id}`);
      }
      if (!Number.isInteger(m.seq) || m.seq < 1) {
        violations.push(`conversation ${conversationId}: message ${m.id} has invalid seq ${String(m.seq)}`);
        continue;
      }
      const existing = bySeq.get(m.seq);
      if (existing !== undefined) {
        violations.push(`duplicate seq: conversation ${conversationId} stores seq ${m.seq} twice (ids ${existing.id} and ${m.id})`);
      } else if (m.seq <= previous) {
        violations.push(`history order: conversation ${conversationId} returned seq ${m.seq} after seq ${previous}`);
      } else if (m.seq !== previous + 1) {
        const missing = m.seq - previous - 1 === 1 ? `seq ${previous + 1}` : `seqs ${previous + 1}..${m.seq - 1}`;
        violations.push(`gap: conversation ${conversationId} stores seq ${m.seq} after seq ${previous} (${missing} missing)`);
      }
      if (existing === undefined) bySeq.set(m.seq, m);
      previous = Math.max(previous, m.seq);

      const key = `${m.sender_id}\u0000${m.client_msg_id}`;
      const sameKey = byKey.get(key);
      if (sameKey !== undefined && sameKey.id !== m.id) {
        violations.push(
          `duplicate message: conversation ${conversationId} stores client_msg_id ${m.client_msg_id} of sender ${m.sender_id} at seqs ${sameKey.seq} and ${m.seq}`,
        );
      } else {
        byKey.set(key, m);
      }
      const idSeq = ids.get(m.id);
      if (idSeq !== undefined && idSeq !== m.seq) {
        violations.push(`duplicate id: conversation ${conversationId} stores id ${m.id} at seqs ${idSeq} and ${m.seq}`);
      }
      ids.set(m.id, m.seq);
    }
    checkLifecycle(conversationId, bySeq, violations);
    if (history.lastSeq !== null && history.lastSeq !== previous) {
      violations.push(`last_seq: conversation ${conversationId} reports last_seq ${history.lastSeq} but its history ends at seq ${previous}`);
    }
    return bySeq;
  }

  private checkAcks(stores: Map<string, Map<number, WireMessage>>, violations: string[]): void {
    const firstAck = new Map<string, AckRecord>();
    for (const ack of this.acks) {
      const key = `${ack.conversationId}\u0000${ack.senderId}\u0000${ack.clientMsgId}`;
      const earlier = firstAck.get(key);
      if (earlier === undefined) {
        firstAck.set(key, ack);
      } else if (earlier.seq !== ack.seq || earlier.messageId !== ack.messageId) {
        violations.push(
          `conflicting acks: client_msg_id ${ack.clientMsgId} in ${ack.conversationId} acknowledged as seq ${earlier.seq} id ${earlier.messageId} (${earlier.via}) and as seq ${ack.seq} id ${ack.messageId} (${ack.via})`,
        );
      }
      const stored = stores.get(ack.conversationId)?.get(ack.seq);
      if (stored === undefined) {
        violations.push(
          `lost ack: client_msg_id ${ack.clientMsgId} was acknowledged (${ack.via}) as seq ${ack.seq} id ${ack.messageId} in ${ack.conversationId}, but the store has no message at seq ${ack.seq}`,
        );
      } else if (stored.id !== ack.messageId || stored.client_msg_id !== ack.clientMsgId || stored.sender_id !== ack.senderId) {
        violations.push(
          `lost ack: client_msg_id ${ack.clientMsgId} of ${ack.senderId} was acknowledged (${ack.via}) as seq ${ack.seq} id ${ack.messageId} in ${ack.conversationId}, but the store has id ${stored.id} client_msg_id ${stored.client_msg_id} of ${stored.sender_id} there`,
        );
      }
    }
  }

  private checkSends(stores: Map<string, Map<number, WireMessage>>, violations: string[]): void {
    const ackByKey = new Map<string, AckRecord>();
    for (const ack of this.acks) ackByKey.set(`${ack.conversationId}\u0000${ack.senderId}\u0000${ack.clientMsgId}`, ack);
    for (const send of this.sends) {
      const ack = ackByKey.get(`${send.conversationId}\u0000${send.senderId}\u0000${send.clientMsgId}`);
      if (ack === undefined) continue;
      const stored = stores.get(send.conversationId)?.get(ack.seq);
      if (stored !== undefined && stored.client_msg_id === send.clientMsgId && stored.body?.text !== send.text && !textMayDiffer(stored)) {
        violations.push(
          `text mismatch: ${send.clientId} sent client_msg_id ${send.clientMsgId} in ${send.conversationId} with ${describeText(send.text)} but the store has ${describeText(stored.body?.text)}`,
        );
      }
    }
  }

  private checkDeliveries(stores: Map<string, Map<number, WireMessage>>, violations: string[]): void {
    for (const [clientId, byConnection] of this.connections) {
      for (const [connectionId, events] of byConnection) {
        // Per conversation: highest seq delivered so far, seqs seen, lowest after_seq of the syncs asked for.
        const state = new Map<string, { max: number; seen: Set<number>; syncFloor: number | null }>();
        const stateOf = (conversationId: string) => {
          let s = state.get(conversationId);
          if (s === undefined) {
            s = { max: 0, seen: new Set(), syncFloor: null };
            state.set(conversationId, s);
          }
          return s;
        };
        for (const event of events) {
          if (event.kind === 'sync') {
            const s = stateOf(event.conversationId);
            s.syncFloor = s.syncFloor === null ? event.afterSeq : Math.min(s.syncFloor, event.afterSeq);
            continue;
          }
          const m = event.message;
          const where = `client ${clientId} connection ${connectionId} conversation ${m.conversation_id}`;
          const stored = stores.get(m.conversation_id)?.get(m.seq);
          if (stored === undefined) {
            violations.push(`phantom delivery: ${where} received seq ${m.seq} (id ${m.id}) that the store does not have`);
          } else if (
            stored.id !== m.id ||
            stored.sender_id !== m.sender_id ||
            stored.client_msg_id !== m.client_msg_id ||
            (stored.body?.text !== m.body?.text && !textMayDiffer(stored))
          ) {
            violations.push(
              `delivery differs from store: ${where} received seq ${m.seq} as id ${m.id} client_msg_id ${m.client_msg_id}, the store has id ${stored.id} client_msg_id ${stored.client_msg_id}`,
            );
          }
          const s = stateOf(m.conversation_id);
          const repeatAllowed = s.syncFloor !== null && m.seq > s.syncFloor;
          if (s.seen.has(m.seq) && !repeatAllowed) {
            violations.push(`duplicate delivery: ${where} received seq ${m.seq} twice`);
          } else if (m.seq < s.max && !repeatAllowed) {
            violations.push(`out of order: ${where} received seq ${m.seq} after seq ${s.max}`);
          }
          s.seen.add(m.seq);
          s.max = Math.max(s.max, m.seq);
        }
      }
    }
  }

  private checkCompleteness(stores: Map<string, Map<number, WireMessage>>, violations: string[]): void {
    for (const exp of this.expectations) {
      const store = stores.get(exp.conversationId);
      if (store === undefined) continue;
      const wanted = [...store.keys()].filter((seq) => seq > exp.afterSeq).sort((a, b) => a - b);
      for (const clientId of exp.clientIds) {
        const got = new Set<number>();
        for (const events of this.connections.get(clientId)?.values() ?? []) {
          for (const e of events) {
            if (e.kind === 'delivery' && e.message.conversation_id === exp.conversationId) got.add(e.message.seq);
          }
        }
        const missing = wanted.filter((seq) => !got.has(seq));
        if (missing.length > 0) {
          violations.push(
            `missed delivery: client ${clientId} never received conversation ${exp.conversationId} ${summariseSeqs(missing)} (of ${wanted.length} expected)`,
          );
        }
      }
    }
  }
}

function copyMessage(m: WireMessage): WireMessage {
  return {
    id: m.id,
    conversation_id: m.conversation_id,
    seq: m.seq,
    sender_id: m.sender_id,
    client_msg_id: m.client_msg_id,
    body: { text: m.body?.text },
    created_at: m.created_at,
  };
}

function describeText(text: string | undefined): string {
  if (typeof text !== 'string') return `no text (${String(text)})`;
  return text.length > 40 ? `text "${text.slice(0, 40)}..." (${text.length} chars)` : `text "${text}"`;
}

/** "seqs 3, 4, 9" or, for long lists, "seqs 3, 4, 5, ... (40 in all)". */
export function summariseSeqs(seqs: number[]): string {
  const shown = seqs.slice(0, 10).join(', ');
  return seqs.length > 10 ? `seqs ${shown}, ... (${seqs.length} in all)` : `seq${seqs.length === 1 ? '' : 's'} ${shown}`;
}
