/**
 * What the mesh's message store (Cassandra) holds for a conversation, read directly rather than
 * through Parley: a test can show that a deleted message's text is gone from the store itself, not
 * only from what the API answers. Standalone keeps its store inside the running process (PGlite),
 * so this answers null there (its store is checked by the unit tier on the same adapter).
 */
import { Client } from 'cassandra-driver';
import { loadConfig } from '@parley/config';

export async function storedBodies(conversationId: string): Promise<string[] | null> {
  if ((process.env.PARLEY_E2E_TARGET ?? 'standalone') !== 'mesh') return null;
  const config = loadConfig(process.env);
  const client = new Client({ contactPoints: config.cassandra.contactPoints, localDataCenter: config.cassandra.localDataCenter });
  try {
    await client.connect();
    const ks = config.cassandra.keyspace;
    const buckets = await client.execute(`SELECT bucket FROM ${ks}.message_buckets_by_conversation WHERE conversation_id = ?`, [conversationId], { prepare: true });
    const bodies: string[] = [];
    for (const b of buckets.rows) {
      const rows = await client.execute(`SELECT body FROM ${ks}.messages_by_conversation WHERE conversation_id = ? AND bucket = ?`, [conversationId, b.get('bucket')], { prepare: true });
      bodies.push(...rows.rows.map((r) => String(r.get('body'))));
    }
    return bodies;
  } finally {
    await client.shutdown();
  }
}
