import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { DiskBlobStore, FILES_PATH } from '@parley/ports';
import { Logger } from '@parley/observability';
import { errorBody } from './api-error';

const STATUS: Record<number, string> = { 200: '200 OK', 201: '201 Created', 400: '400 Bad Request', 403: '403 Forbidden', 404: '404 Not Found', 409: '409 Conflict', 413: '413 Payload Too Large', 500: '500 Internal Server Error' };

interface Exchange {
  res: HttpResponse;
  aborted: boolean;
  done: boolean;
}

function reply(x: Exchange, status: number, code: string, message: string): void {
  if (x.aborted || x.done) return;
  x.done = true;
  x.res.cork(() => x.res.writeStatus(STATUS[status]).writeHeader('content-type', 'application/json; charset=utf-8').end(errorBody(code, message)));
}

/**
 * Standalone's file URLs (DiskBlobStore): PUT streams an upload to disk, at most the signed size
 * (the body is never held in memory: uWS is paused while the file catches up); GET streams a
 * file back as a download. A bad, forged or expired signature is a 403.
 */
export function serveFiles(app: TemplatedApp, store: DiskBlobStore, logger: Logger): void {
  const grant = (res: HttpResponse, req: HttpRequest) => {
    const x: Exchange = { res, aborted: false, done: false };
    res.onAborted(() => {
      x.aborted = true;
    });
    const method = req.getMethod().toUpperCase();
    const key = req.getUrl().slice(FILES_PATH.length);
    return { x, g: store.verify(method, key, new URLSearchParams(req.getQuery() ?? '')), length: req.getHeader('content-length') };
  };

  app.put(`${FILES_PATH}*`, (res, req) => {
    const { x, g, length } = grant(res, req);
    if (!g || g.op !== 'put') {
      res.onData(() => undefined);
      return reply(x, 403, 'FORBIDDEN', 'invalid or expired signature');
    }
    if (length !== '' && Number(length) > g.size) {
      res.onData(() => undefined);
      return reply(x, 413, 'PAYLOAD_TOO_LARGE', `the upload is at most ${g.size} bytes`);
    }
    let received = 0;
    let failed = false;
    const pending: Buffer[] = [];
    let last = false;
    const upload = store.beginUpload(g.key);
    // Chunks arrive before the file is open: they wait in `pending` while uWS is paused.
    res.pause();
    const fail = (status: number, code: string, message: string) => {
      if (failed) return;
      failed = true;
      void upload.then((u) => u.discard());
      reply(x, status, code, message);
    };
    res.onData((chunk, isLast) => {
      if (failed) return;
      received += chunk.byteLength;
      if (received > g.size) return fail(413, 'PAYLOAD_TOO_LARGE', `the upload is at most ${g.size} bytes`);
      pending.push(Buffer.from(chunk.slice(0)));
      last = isLast;
      void pump();
    });
    let pumping = false;
    const pump = async () => {
      if (pumping) return;
      pumping = true;
      const u = await upload;
      while (pending.length > 0 && !failed) {
        if (!u.stream.write(pending.shift())) {
          if (!x.aborted) res.pause();
          await new Promise<void>((r) => u.stream.once('drain', () => r()));
          if (!x.aborted) res.resume();
        }
      }
      pumping = false;
      if (failed) return;
      if (x.aborted) return fail(400, 'VALIDATION_FAILED', 'aborted');
      if (!last) return;
      if (received !== g.size) return fail(400, 'VALIDATION_FAILED', `the upload must be exactly ${g.size} bytes`);
      failed = true; // nothing more is accepted on this request
      await u.commit();
      if (!x.aborted) {
        x.done = true;
        res.cork(() => res.writeStatus(STATUS[200]).endWithoutBody());
      }
    };
    upload.then(() => {
      if (!x.aborted) res.resume();
    }, (err: unknown) => {
      logger.warn('upload file failed to open', { err });
      fail(409, 'CONFLICT', 'upload failed');
    });
  });

  app.get(`${FILES_PATH}*`, (res, req) => {
    const { x, g } = grant(res, req);
    if (!g || g.op !== 'get') return reply(x, 403, 'FORBIDDEN', 'invalid or expired signature');
    void streamFile(x, store.pathOf(g.key), g.contentType).catch((err: unknown) => {
      logger.warn('file download failed', { err });
      reply(x, 500, 'INTERNAL', 'internal error');
    });
  });
}

async function streamFile(x: Exchange, path: string, contentType: string): Promise<void> {
  let total: number;
  try {
    total = (await stat(path)).size;
  } catch {
    return reply(x, 404, 'NOT_FOUND', 'file not found');
  }
  if (x.aborted) return;
  const { res } = x;
  x.done = true;
  res.cork(() => {
    res.writeStatus(STATUS[200]).writeHeader('content-type', contentType).writeHeader('content-disposition', 'attachment')
      .writeHeader('x-content-type-options', 'nosniff').writeHeader('cache-control', 'private, max-age=60');
  });
  if (total === 0) return void res.cork(() => res.end());
  const stream = createReadStream(path, { highWaterMark: 64 * 1024 });
  res.onAborted(() => {
    x.aborted = true;
    stream.destroy();
  });
  stream.on('data', (data) => {
    if (x.aborted) return void stream.destroy();
    const chunk = data as Buffer;
    const ab = new Uint8Array(chunk); // a copy: uWS may hold it until written
    const offset = res.getWriteOffset();
    let ok = false;
    let done = false;
    res.cork(() => ([ok, done] = res.tryEnd(ab, total)));
    if (done) return stream.destroy();
    if (ok) return;
    stream.pause();
    res.onWritable((at) => {
      let again = false;
      res.cork(() => ([again, done] = res.tryEnd(ab.slice(at - offset), total)));
      if (done) stream.destroy();
      else if (again) stream.resume();
      return again;
    });
  });
  stream.on('error', () => {
    if (!x.aborted) res.close();
  });
}
