// Reads a response body into memory under a size cap. Registry answers are untrusted: a manifest larger
// than the OCI limit or a body shorter than its Content-Length must never be taken as a valid document.
import type { Readable } from 'node:stream';
import { errorCode } from './error-code';

/** The body was cut short (fewer bytes than Content-Length): a transient network failure, retried. */
export class TruncatedBodyError extends Error {
  constructor(received: number, expected: number | null) {
    super(`received ${received} of ${expected ?? 'an unknown number of'} bytes`);
  }
}

// The connection ended mid-body (undici reports "other side closed" or a length mismatch).
const CUT_CODES = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE', 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH']);

/** The body is larger than the cap; not retried, the registry would send the same again. */
export class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`body larger than ${limit} bytes`);
  }
}

/**
 * Reads at most `limit` bytes. With `cut`, a longer body is cut at the limit (used for error pages, whose
 * text only decorates a message); otherwise it is an error, detected from Content-Length before reading.
 */
export async function readCappedBody(
  body: Readable,
  limit: number,
  contentLength: number | null,
  overLimit: 'error' | 'cut',
): Promise<Buffer> {
  if (overLimit === 'error' && contentLength !== null && contentLength > limit) {
    body.destroy();
    throw new BodyTooLargeError(limit);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
      if (size + bytes.length > limit) {
        body.destroy();
        if (overLimit === 'error') throw new BodyTooLargeError(limit);
        chunks.push(bytes.subarray(0, limit - size));
        return Buffer.concat(chunks, limit);
      }
      chunks.push(bytes);
      size += bytes.length;
    }
  } catch (err) {
    if (CUT_CODES.has(errorCode(err) ?? '')) throw new TruncatedBodyError(size, contentLength);
    throw err;
  }
  if (contentLength !== null && size !== contentLength) throw new TruncatedBodyError(size, contentLength);
  return Buffer.concat(chunks, size);
}

/** A Content-Length header as a byte count, or null when absent or not a plain decimal. */
export function parseContentLength(value: string | undefined): number | null {
  if (value === undefined || !/^\d{1,15}$/.test(value.trim())) return null;
  return Number(value.trim());
}
