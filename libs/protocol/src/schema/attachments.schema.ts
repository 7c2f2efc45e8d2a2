import { Type } from '@sinclair/typebox';
import { Nullable, Timestamp } from './primitives';

/** The attachments extension's answers (`docs/api/v1.md`, Attachments). */

/** An attachment as a message carries it: checked at send time, its type sniffed from its bytes. */
export const Attachment = Type.Object(
  {
    id: Type.String(),
    content_type: Type.String({ description: 'sniffed from the bytes, never taken from the client' }),
    size: Type.Integer({ minimum: 1 }),
    thumbnail: Type.Boolean({ description: 'true for images: a WebP thumbnail can be downloaded' }),
  },
  { $id: 'Attachment' },
);

/** A request the client makes itself, straight to the file store. */
export const SignedRequest = Type.Object(
  {
    method: Type.Union([Type.Literal('PUT'), Type.Literal('GET')]),
    url: Type.String({ description: 'absolute, or a path on this server to resolve against its base URL' }),
    headers: Type.Record(Type.String(), Type.String(), { description: 'headers the request must carry' }),
    expires_at: Timestamp(),
  },
  { $id: 'SignedRequest' },
);

export const AttachmentUpload = Type.Object(
  { attachment: Type.Object({ id: Type.String(), content_type: Type.String(), size: Type.Integer({ minimum: 1 }) }), upload: SignedRequest },
  { $id: 'AttachmentUpload' },
);

export const AttachmentDownload = Type.Object(
  { attachment: Attachment, download: SignedRequest, thumbnail: Nullable(SignedRequest) },
  { $id: 'AttachmentDownload' },
);
