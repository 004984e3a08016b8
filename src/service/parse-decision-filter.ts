import { parsePastTime } from '../core/time-spec';
import { REASON_CODES, type ReasonCode } from '../core/types';
import { UsageError } from '../errors';
import type { DecisionCursor, DecisionFilter } from '../store/audit-query';

// The `audit` filters as text, from the CLI's flags or the dashboard's query string (SPEC §7), checked the same way
// for both: one meaning per filter whichever edge it comes from.

export interface DecisionFilterText {
  readonly namespace?: string;
  readonly image?: string;
  readonly decision?: string;
  readonly reason?: string;
  readonly breakGlass?: boolean;
  readonly user?: string;
  readonly since?: string;
  readonly until?: string;
  readonly limit: string;
  /** A page's start, `TIME.ID` (formatCursor); the dashboard's paging only. */
  readonly before?: string;
}

/** How a field is named in error messages: `--decision` on the command line, `decision` in a query string. */
export type FieldLabel = (field: 'decision' | 'reason' | 'limit' | 'since' | 'until' | 'before') => string;

/** UsageError naming the field when a value is not acceptable. */
export function parseDecisionFilter(text: DecisionFilterText, now: number, label: FieldLabel): DecisionFilter {
  return {
    namespace: text.namespace,
    image: text.image,
    decision: text.decision === undefined ? undefined : decisionValue(text.decision, label),
    reason: text.reason === undefined ? undefined : reasonCode(text.reason, label),
    breakGlass: text.breakGlass === true ? true : undefined,
    user: text.user,
    since: text.since === undefined ? undefined : pastTime(label('since'), text.since, now),
    until: text.until === undefined ? undefined : pastTime(label('until'), text.until, now),
    before: text.before === undefined ? undefined : parseCursor(text.before, label),
    limit: limitValue(text.limit, label),
  };
}

export function formatCursor(cursor: DecisionCursor): string {
  return `${cursor.time}.${cursor.id}`;
}

function parseCursor(text: string, label: FieldLabel): DecisionCursor {
  const match = /^(\d{1,15})\.(\d{1,15})$/.exec(text);
  if (match === null) throw new UsageError(`${label('before')} must be TIME.ID (from a "next page" link), not ${JSON.stringify(text.slice(0, 40))}`);
  return { time: Number(match[1]), id: Number(match[2]) };
}

function decisionValue(text: string, label: FieldLabel): 'allowed' | 'denied' {
  if (text === 'allowed' || text === 'denied') return text;
  throw new UsageError(`${label('decision')} must be allowed or denied, not ${JSON.stringify(text)}`);
}

function reasonCode(text: string, label: FieldLabel): ReasonCode {
  const code = REASON_CODES.find((c) => c === text);
  if (code === undefined) {
    throw new UsageError(`${label('reason')} ${JSON.stringify(text)} is not a reason code (one of: ${REASON_CODES.join(', ')})`);
  }
  return code;
}

function limitValue(text: string, label: FieldLabel): number {
  if (!/^[1-9]\d{0,8}$/.test(text)) {
    throw new UsageError(`${label('limit')} must be a positive integer, not ${JSON.stringify(text)}`);
  }
  return Number(text);
}

function pastTime(field: string, text: string, now: number): number {
  const parsed = parsePastTime(text, now);
  if (!parsed.ok) throw new UsageError(`${field}: ${parsed.error}`);
  return parsed.value;
}
