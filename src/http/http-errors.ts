import type { ServerResponse } from 'node:http';
import type { ErrorRequestHandler, Request } from 'express';
import { AppError, InvalidRequestError, MethodNotAllowedError, errorMessage } from '../errors';
import type { Logger } from '../logger';
import { sendJson } from './send-json';

/** Kubernetes `Status` reasons for the codes this server answers with. */
const STATUS_REASONS: Readonly<Record<number, string>> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
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

/**
 * The one place errors become HTTP answers (STYLE 5), each with a Status body: a typed error answers with its own
 * status (InvalidRequestError: what the API server never sends, counted by label and logged as a warning); anything
 * else is a 500, which the API server retries and then resolves with its own defaultAllow, never an
 * `allowed: true` from here (SPEC §2).
 */
export function createErrorHandler(deps: {
  readonly logger: Logger;
  readonly onInvalid: (label: string, req: Request) => void;
}): ErrorRequestHandler {
  return (err: unknown, req, res, next) => {
    if (res.headersSent) {
      next(err);
      return;
    }
    if (err instanceof InvalidRequestError) {
      deps.onInvalid(err.label, req);
      deps.logger.warn('invalid request', { method: req.method, path: req.path, reason: err.label, problem: err.message });
      if (err instanceof MethodNotAllowedError) res.setHeader('Allow', err.allow);
      sendError(res, err.httpStatus, err.message);
      return;
    }
    if (err instanceof AppError && err.httpStatus < 500) {
      sendError(res, err.httpStatus, err.message);
      return;
    }
    deps.logger.error('request failed; answering 500 so the API server applies its own failure policy', {
      method: req.method,
      path: req.path,
      error: errorMessage(err),
    });
    sendError(res, 500, 'internal error: the decision could not be made or recorded');
  };
}
