// `Retry-After` (RFC 9110 §10.2.3): either delay-seconds or an HTTP-date.

/** Milliseconds to wait, capped at `capMs`; null when the header is absent or unparseable. */
export function parseRetryAfter(value: string | undefined, now: number, capMs: number): number | null {
  if (value === undefined) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Math.min(Number(text) * 1000, capMs);
  // Only the IMF-fixdate / RFC 850 / asctime forms carry letters; a bare number like "1.5" is not a date.
  if (!/[A-Za-z]/.test(text)) return null;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return null;
  return Math.min(Math.max(date - now, 0), capMs);
}
