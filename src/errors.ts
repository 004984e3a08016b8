// Typed errors carry their CLI exit code and HTTP status; they are mapped to output in one place each
// (src/cli/main.ts and src/http/http-errors.ts). STYLE 5.

/** Exit codes (SPEC §7, stable): 0 ok, 1 failed or denied, 2 usage error. */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

export class AppError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly httpStatus: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad flags or arguments: exit 2. */
export class UsageError extends AppError {
  constructor(message: string) {
    super(message, EXIT_USAGE, 400);
  }
}

/** Input that was read but is not acceptable (a corrupt report, a broken policy file): exit 1, HTTP 400. */
export class InvalidInputError extends AppError {
  constructor(message: string) {
    super(message, EXIT_FAILED, 400);
  }
}

/** The thing named does not exist: exit 1, HTTP 404. */
export class NotFoundError extends AppError {
  constructor(message: string) {
    super(message, EXIT_FAILED, 404);
  }
}

/** The store cannot be used (unreadable, newer than the code, migrations pending): exit 1, HTTP 500. */
export class StoreError extends AppError {
  constructor(message: string) {
    super(message, EXIT_FAILED, 500);
  }
}

/**
 * An HTTP request that the API server never sends (SPEC §2): not JSON, not a review, a wrong method, content type or
 * encoding, a body past the limit. Answered with 400 and a Status body, logged and counted by `label` (`image_reviewer_invalid_requests_total{reason}`); never a decision.
 */
export class InvalidRequestError extends AppError {
  constructor(
    message: string,
    readonly label: string,
    httpStatus = 400,
  ) {
    super(message, EXIT_FAILED, httpStatus);
  }
}

/**
 * A method the path does not answer. SPEC §2 answers everything the API server never sends with 400; the `Allow`
 * header still names the method that works (RFC 9110 §10.2.1).
 */
export class MethodNotAllowedError extends InvalidRequestError {
  constructor(
    message: string,
    readonly allow: string,
  ) {
    super(message, 'method');
  }
}

/**
 * A body past the limit (after decoding). The limit sits above anything the API server sends (SPEC §2), so only
 * something else reaches it; `/imagereview` still answers it with a 200 deny, the one answer it can form unread.
 */
export class BodyTooLargeError extends InvalidRequestError {
  constructor(readonly maxBytes: number) {
    super(`request body is larger than ${maxBytes} bytes`, 'too-large');
  }
}

/** A registry event without the source's shared secret (SPEC §2 `/events/*`): 401, nothing stored. */
export class UnauthenticatedError extends InvalidRequestError {
  constructor(message: string) {
    super(message, 'unauthenticated', 401);
  }
}

/** A registry could not answer as needed (unreachable, 401/403/404, bad digest): exit 1, HTTP 502. */
export class RegistryError extends AppError {
  constructor(message: string) {
    super(message, EXIT_FAILED, 502);
  }
}

/** The registry answered 404: the manifest or blob does not exist there (for a signature tag: not signed that way). */
export class RegistryNotFoundError extends RegistryError {}

/**
 * The message of a caught error. Duck-typed rather than `instanceof Error`: errors made by Node's own modules
 * (fs, net) and by better-sqlite3's native addon come from another realm when the CLI runs inside jest, and are
 * then not the caller's `Error`.
 */
export function errorMessage(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'message' in err && typeof err.message === 'string') {
    return err.message;
  }
  return String(err);
}
