import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseJsonBody } from './parse-json-body';
import type { ReviewHandler } from './review-route';

// The lean path for what the API server sends (SPEC §2): `POST /imagereview` with `Content-Type:
// application/json` and a Content-Length within the limit. express.json() (body-parser, raw-body,
// iconv-lite, type-is) and the router's layers cost about a sixth of a review's CPU on the event loop
// (cpu profile under autocannon, bench/RESULTS.md), which SPEC §11 measures against a bare route. Any
// other request (another path spelling, charset, encoding, chunked body, oversized) goes to the Express
// app unchanged, so every unusual case keeps its answer; a body that fails to parse is handed to the app's
// error handler with body-parser's error type and message (parse-json-body.ts), so its 400 is unchanged too.

const PATH = '/imagereview';
const PLAIN_TYPES: ReadonlySet<string> = new Set(['application/json', 'application/json; charset=utf-8']);
const DECIMAL = /^[0-9]{1,15}$/;

/** body-parser's error shape (`status`, `type`), which createErrorHandler maps to a 400. */
class BodyError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Takes the request when it is a plain review (returns true), else leaves it alone (false). Errors (a body
 * that is not JSON, a client gone mid-body, a failure past the review's own handling) go to `fail`, which
 * hands them to the Express app's error handler as body-parser's or the route's would have been.
 */
export type FastReview = (req: IncomingMessage, res: ServerResponse) => boolean;

export function createFastReview(
  review: ReviewHandler,
  maxBodyBytes: number,
  fail: (req: IncomingMessage, res: ServerResponse, err: unknown) => void,
): FastReview {
  return (req, res) => {
    if (!isPlainReview(req, maxBodyBytes)) return false;
    const chunks: Buffer[] = [];
    let finished = false;
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (finished) return;
      finished = true;
      const parsed = parseJsonBody(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks));
      if (!parsed.ok) {
        fail(req, res, new BodyError(400, 'entity.parse.failed', parsed.message));
        return;
      }
      review(parsed.value, res, process.hrtime.bigint()).catch((err: unknown) => fail(req, res, err));
    });
    // raw-body's answer to a client that went away mid-body; the 400 reaches nobody but is counted and logged.
    const aborted = (): void => {
      if (finished || req.complete) return;
      finished = true;
      fail(req, res, new BodyError(400, 'request.aborted', 'request aborted'));
    };
    req.on('error', aborted);
    req.on('close', aborted);
    return true;
  };
}

function isPlainReview(req: IncomingMessage, maxBodyBytes: number): boolean {
  if (req.method !== 'POST') return false;
  const url = req.url ?? '';
  if (url !== PATH && !(url.startsWith(PATH) && url.charCodeAt(PATH.length) === 0x3f)) return false;
  const { headers } = req;
  if (headers['content-encoding'] !== undefined || headers['transfer-encoding'] !== undefined) return false;
  const type = headers['content-type'];
  if (type === undefined || !PLAIN_TYPES.has(type.toLowerCase())) return false;
  const length = headers['content-length'];
  return length !== undefined && DECIMAL.test(length) && Number(length) <= maxBodyBytes;
}
