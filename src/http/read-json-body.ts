import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import type { RequestHandler } from 'express';
import { BodyTooLargeError, InvalidRequestError } from '../errors';

// The one body reader of the app (SPEC §2: one route per path, one body reader): reads the request body itself and
// `JSON.parse`s it. The API server sends `Content-Type: application/json`, UTF-8, no Content-Encoding and a
// Content-Length; the codings body-parser accepted (gzip, deflate, br) are still decoded, the limit counting
// decoded bytes, so a compressed body is judged as its plain form would be. Every failure is an
// InvalidRequestError, which the app's error handler answers with a Status body (http-errors.ts).

const UTF8 = new Set(['utf-8', 'utf8']);

const JSON_ONLY: readonly string[] = ['application/json'];

/**
 * Express middleware: `req.body` becomes the parsed JSON value (any JSON, `null` included), or `next(error)`.
 * `mediaTypes`: the JSON media types the route accepts (registry events come as `application/cloudevents+json` and
 * `application/vnd.docker.distribution.events.v1+json`); `application/json` only by default.
 */
export function readJsonBody(maxBytes: number, mediaTypes: readonly string[] = JSON_ONLY): RequestHandler {
  return (req, _res, next) => {
    const problem = headerProblem(req, maxBytes, mediaTypes);
    if (problem !== null) {
      next(problem);
      return;
    }
    const decoded = decoder(req.headers['content-encoding']);
    if (decoded instanceof InvalidRequestError) {
      next(decoded);
      return;
    }
    const source: Readable = decoded === null ? req : req.pipe(decoded);
    collect(req, source, maxBytes, (err, raw) => {
      if (err !== null) {
        // Node reads and drops the rest of an unread body after the answer (within the server's requestTimeout), so
        // the client reads its answer instead of a reset connection.
        next(err);
        return;
      }
      const parsed = parseJson(raw);
      if (parsed instanceof InvalidRequestError) {
        next(parsed);
        return;
      }
      req.body = parsed.value;
      next();
    });
  };
}

function headerProblem(req: IncomingMessage, maxBytes: number, mediaTypes: readonly string[]): InvalidRequestError | null {
  const type = req.headers['content-type'];
  // What the API server sends (`application/json`, exactly): nothing to take apart.
  if (type === undefined || !mediaTypes.includes(type)) {
    const problem = contentTypeProblem(type, mediaTypes);
    if (problem !== null) return problem;
  }
  const length = req.headers['content-length'];
  if (length !== undefined && Number(length) > maxBytes) return new BodyTooLargeError(maxBytes);
  return null;
}

function contentTypeProblem(type: string | undefined, mediaTypes: readonly string[]): InvalidRequestError | null {
  if (!mediaTypes.includes(mediaType(type))) {
    return new InvalidRequestError(`Content-Type must be ${mediaTypes.join(' or ')}`, 'content-type');
  }
  const [, ...params] = (type ?? '').split(';');
  for (const param of params) {
    const [name = '', value = ''] = param.split('=');
    if (name.trim().toLowerCase() === 'charset' && !UTF8.has(value.trim().replace(/^"|"$/g, '').toLowerCase())) {
      return new InvalidRequestError(`unsupported charset ${JSON.stringify(value.trim())}: JSON is UTF-8`, 'content-type');
    }
  }
  return null;
}

/** The decompressor for a Content-Encoding, null for none; an InvalidRequestError for an unknown one. */
function decoder(encoding: string | undefined): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | InvalidRequestError | null {
  switch ((encoding ?? 'identity').trim().toLowerCase()) {
    case 'identity':
    case '':
      return null;
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      // The API server sends no Content-Encoding at all: like every request it never sends, a 400 (SPEC §2).
      return new InvalidRequestError(`unsupported Content-Encoding ${JSON.stringify(encoding)}`, 'content-encoding');
  }
}

/**
 * Reads `source` (the request, or its decompressor) to the end, up to `maxBytes`. `req` is watched as well, for a
 * client that goes away mid-body (the answer then reaches nobody, but the request is still counted and logged).
 */
function collect(
  req: IncomingMessage,
  source: Readable,
  maxBytes: number,
  done: (err: InvalidRequestError | null, raw: Buffer) => void,
): void {
  const chunks: Buffer[] = [];
  let length = 0;
  let finished = false;
  const finish = (err: InvalidRequestError | null): void => {
    if (finished) return;
    finished = true;
    if (err !== null && source !== req) source.destroy();
    done(err, err !== null ? Buffer.alloc(0) : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, length));
  };
  source.on('data', (chunk: Buffer) => {
    length += chunk.length;
    if (length > maxBytes) {
      finish(new BodyTooLargeError(maxBytes));
      return;
    }
    if (!finished) chunks.push(chunk);
  });
  source.on('end', () => finish(null));
  if (source !== req) {
    source.on('error', (err: Error) => finish(new InvalidRequestError(`body is not valid for its Content-Encoding: ${err.message}`, 'bad-encoding')));
  }
  const aborted = (): void => {
    if (!req.complete) finish(new InvalidRequestError('request aborted before its body was complete', 'aborted'));
  };
  req.on('error', aborted);
  req.on('close', aborted);
}

function parseJson(raw: Buffer): { readonly value: unknown } | InvalidRequestError {
  let text = raw.toString('utf8');
  // A byte order mark is allowed before JSON text and may be ignored (RFC 8259 §8.1); body-parser did.
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    const value: unknown = JSON.parse(text);
    return { value };
  } catch (err) {
    return new InvalidRequestError(`body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`, 'bad-json');
  }
}


/** The request's media type, lower case, without parameters (`application/json; charset=utf-8` → `application/json`). */
export function mediaTypeOf(req: IncomingMessage): string {
  return mediaType(req.headers['content-type']);
}

function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}
