/**
 * The message of a caught error. Duck-typed rather than `instanceof Error`: better-sqlite3's SqliteError
 * comes from the native addon's realm, which under jest is not the test's `Error`, and errors.ts's
 * `errorMessage` then prints `SqliteError: …` instead of the message.
 */
export function causeMessage(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'message' in err && typeof err.message === 'string') {
    return err.message;
  }
  return String(err);
}
