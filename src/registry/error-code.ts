/** The `code` of a Node system error or an undici error (`ECONNRESET`, `UND_ERR_SOCKET`), or null. */
export function errorCode(err: unknown): string | null {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string') return err.code;
  return null;
}
