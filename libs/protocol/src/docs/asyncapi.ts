import type { TSchema } from '@sinclair/typebox';
import { CLIENT_FRAME_SCHEMAS } from '../schema/client-frames.schema';
import { SERVER_FRAME_SCHEMAS } from '../schema/server-frames.schema';
import { plainSchema } from './openapi';

type Json = Record<string, unknown>;

const nameOf = (s: TSchema) => String((s as { $id?: string }).$id);

/**
 * The AsyncAPI 3.0 document of the WebSocket at /v1/ws, generated from the frame schemas the
 * gateway validates client frames with (and the server frames' schemas beside them).
 */
export function asyncApiDocument(version: string): Json {
  const clientFrames = Object.values(CLIENT_FRAME_SCHEMAS) as TSchema[];
  const all = [...clientFrames, ...SERVER_FRAME_SCHEMAS];
  const messages: Record<string, Json> = {};
  for (const s of all) messages[nameOf(s)] = { name: nameOf(s), contentType: 'application/json', payload: { $ref: `#/components/schemas/${nameOf(s)}` } };
  const refs = (list: TSchema[]) => list.map((s) => ({ $ref: `#/channels/socket/messages/${nameOf(s)}` }));
  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Parley WebSocket API',
      version,
      description:
        'JSON text frames on /v1/ws, authenticated at the upgrade (Authorization: Bearer, or access_token in the query). The first server frame is hello. ' +
        'Close codes: 4401 token expired or session revoked; 4408 too slow a reader; 4429 rate limited; 1008 policy; 1009 frame over 64 KiB; 1012 server restart.',
      license: { name: 'Apache-2.0' },
    },
    defaultContentType: 'application/json',
    channels: {
      socket: {
        address: '/v1/ws',
        messages: Object.fromEntries(Object.keys(messages).map((k) => [k, { $ref: `#/components/messages/${k}` }])),
      },
    },
    operations: {
      sendFrames: { action: 'receive', channel: { $ref: '#/channels/socket' }, summary: 'Frames a client sends (the server receives them)', messages: refs(clientFrames) },
      receiveFrames: { action: 'send', channel: { $ref: '#/channels/socket' }, summary: 'Frames the server sends', messages: refs(SERVER_FRAME_SCHEMAS) },
    },
    components: {
      messages,
      schemas: Object.fromEntries(all.map((s) => [nameOf(s), plainSchema(s)])),
    },
  };
}
