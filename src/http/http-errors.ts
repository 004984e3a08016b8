import type { ServerResponse } from 'node:http';
import type { ErrorRequestHandler } from 'express';
import { AppError, errorMessage } from '../errors';
import type { Logger } from '../logger';
import { sendJson } from './send-json';

/** Kubernetes `Status` reasons for the codes this server answers with. */
const STATUS_REASONS: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  500: 'InternalError',
  502: 'BadGateway',
  503: 'ServiceUnavailable',
};

/**
 * Error bodies follow the Kubernetes `Status` object (metav1.Status), which is what an API server operator reads
 * in logs: `{"kind":"Status","apiVersion":"v1","status":"Failure","message":…,"reason":…,"code":…}`.
 */
export function sendError(res: ServerResponse, code: number, message: string): void {
  sendJson(res, code, {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason: STATUS_REASONS[code] ?? 'Unknown',
    code,
  });
}

/** Body-parser failures carry a `status` and a `type` (body-parser README, "Errors"). */
interface BodyParserError {
  readonly status: number;
  readonly type: string;
}

function isBodyParserError(err: unknown): err is BodyParserError & Error {
  return (
    err instanceof Error &&
    typeof (err as Partial<BodyParserError>).status === 'number' &&
    typeof (err as Partial<BodyParserError>).type === 'string'
  );
}

/**
 * The one place errors become HTTP answers (STYLE 5). Malformed or oversized bodies are the client's fault: 400,
 * which the API server does not retry (SPEC §2 asks for 400 even for "too large", not 413). Anything else is a 500,
 * which the API server retries and then resolves with its own defaultAllow: never an `allowed: true` from here.
 */
export function createErrorHandler(deps: {
  readonly logger: Logger;
  readonly onInvalid: (reason: string) => void;
}): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    if (isBodyParserError(err) && err.status < 500) {
      const reason = err.type === 'entity.too.large' ? 'too-large' : err.type === 'entity.parse.failed' ? 'bad-json' : 'bad-body';
      const message =
        reason === 'too-large' ? 'request body is too large' : reason === 'bad-json' ? `body is not valid JSON: ${err.message}` : err.message;
      deps.onInvalid(reason);
      deps.logger.warn('invalid request', { path: req.path, reason, problem: message });
      sendError(res, 400, message);
      return;
    }
    if (err instanceof AppError) {
      if (err.httpStatus >= 500) deps.logger.error('request failed', { path: req.path, error: err.message });
      sendError(res, err.httpStatus, err.message);
      return;
    }
    deps.logger.error('request failed', { path: req.path, error: errorMessage(err) });
    sendError(res, 500, 'internal error: the decision could not be made or recorded');
  };
}
