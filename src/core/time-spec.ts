// Time arguments of the CLI (SPEC §7: "Times accept ISO-8601 or relative forms (`1h`, `7d`)") and the
// RFC 3339 timestamps scanners write. Pure: callers pass `now` (epoch ms).

export type TimeResult = { readonly ok: true; readonly value: number } | { readonly ok: false; readonly error: string };

const UNIT_MS: Readonly<Record<string, number>> = {
  w: 7 * 24 * 3_600_000,
  d: 24 * 3_600_000,
  h: 3_600_000,
  m: 60_000,
  s: 1_000,
};
const UNIT_ORDER = 'wdhms';
// Longer inputs are never durations anyone typed; the bound keeps every check trivially cheap.
const MAX_TEXT_LENGTH = 64;

/**
 * Duration text: `30s`, `15m`, `1h`, `7d`, `2w`, and combinations like `1h30m`; returns ms, or null
 * when not a duration.
 */
export function parseDuration(text: string): number | null {
  if (text.length === 0 || text.length > MAX_TEXT_LENGTH) return null;
  const part = /(\d{1,9})([wdhms])/y;
  let total = 0;
  let lastUnit = -1;
  let index = 0;
  while (index < text.length) {
    part.lastIndex = index;
    const match = part.exec(text);
    if (match === null) return null;
    const [whole, amount, unit] = match;
    // Units largest first, each at most once (`1h30m`), so `30m1h` or `1h1h` are typos, not durations.
    const order = UNIT_ORDER.indexOf(unit);
    if (order <= lastUnit) return null;
    lastUnit = order;
    total += Number(amount) * (UNIT_MS[unit] ?? 0);
    index += whole.length;
  }
  return Number.isSafeInteger(total) ? total : null;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(?:([Zz])|([+-])(\d{2}):?(\d{2}))?$/;

/**
 * ISO-8601 / RFC 3339 date (`2026-11-01`, midnight UTC) or date-time (zone `Z` or `±hh:mm`; none = UTC),
 * to epoch ms; null when not one or not a real calendar time. Fractions beyond milliseconds are
 * truncated: Trivy writes nanoseconds (`2021-08-25T12:20:30.000000005Z`), which Date.parse may refuse.
 */
export function parseIsoTimestamp(text: string): number | null {
  if (text.length > MAX_TEXT_LENGTH) return null;
  const date = ISO_DATE.exec(text);
  if (date !== null) return utc(Number(date[1]), Number(date[2]), Number(date[3]), 0, 0, 0, 0);
  const m = ISO_DATE_TIME.exec(text);
  if (m === null) return null;
  const [, year, month, day, hour, minute, second, fraction, zulu, sign, offH, offM] = m;
  const millis = fraction === undefined ? 0 : Number(fraction.padEnd(3, '0').slice(0, 3));
  const local = utc(
    Number(year),
    Number(month),
    Number(day),
    Number(hour),
    Number(minute),
    Number(second ?? '0'),
    millis,
  );
  if (local === null) return null;
  if (zulu !== undefined || sign === undefined) return local;
  const offsetHours = Number(offH);
  const offsetMinutes = Number(offM);
  if (offsetHours > 23 || offsetMinutes > 59) return null;
  const offset = (offsetHours * 60 + offsetMinutes) * 60_000;
  return sign === '+' ? local - offset : local + offset;
}

function utc(y: number, mo: number, d: number, h: number, mi: number, s: number, millis: number): number | null {
  if (h > 23 || mi > 59 || s > 59) return null;
  const when = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0–99 to 1900–1999.
  when.setUTCFullYear(y, mo - 1, d);
  when.setUTCHours(h, mi, s, millis);
  // Date rolls 2026-02-30 over to March: a real calendar date reads back unchanged.
  if (when.getUTCFullYear() !== y || when.getUTCMonth() !== mo - 1 || when.getUTCDate() !== d) return null;
  return when.getTime();
}

const FORMS = 'an ISO-8601 date (2026-11-01), date-time (2026-11-01T12:00:00Z) or a duration (30m, 1h, 7d, 1h30m)';

function parseTimeSpec(text: string, now: number, sign: 1 | -1): TimeResult {
  const trimmed = text.trim();
  if (trimmed.length === 0) return { ok: false, error: `empty time: expected ${FORMS}` };
  const shown = JSON.stringify(trimmed.length > 40 ? `${trimmed.slice(0, 37)}...` : trimmed);
  if (/^\d{4}-/.test(trimmed)) {
    const value = parseIsoTimestamp(trimmed);
    return value === null ? { ok: false, error: `invalid date or date-time ${shown}` } : { ok: true, value };
  }
  const duration = parseDuration(trimmed);
  if (duration === null) return { ok: false, error: `invalid time ${shown}: expected ${FORMS}` };
  return { ok: true, value: now + sign * duration };
}

/**
 * `--since`/`--until`: ISO-8601 date (`2026-11-01`, midnight UTC) or date-time (with Z or offset; a
 * date-time without zone is UTC), or a relative duration meaning that long ago (`1h` = now − 1 h).
 */
export function parsePastTime(text: string, now: number): TimeResult {
  return parseTimeSpec(text, now, -1);
}

/**
 * `--expires`: ISO-8601 date/date-time, or a duration meaning that long from now (`7d` = now + 7 d).
 * Refuses a time not in the future: an approval or exception that is already expired is a typo.
 */
export function parseExpiry(text: string, now: number): TimeResult {
  const parsed = parseTimeSpec(text, now, 1);
  if (!parsed.ok) return parsed;
  if (parsed.value <= now) {
    return { ok: false, error: `expiry ${JSON.stringify(text.trim())} is not in the future` };
  }
  return parsed;
}
