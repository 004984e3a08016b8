import { type DecisionFilterText, parseDecisionFilter } from '../service/parse-decision-filter';
import type { DecisionFilter } from '../store/audit-query';

// The Decisions and Break-glass pages' filters, read from the query string with the CLI's own parser (the same
// meaning as `audit --namespace … --since …`), and kept as text to refill the form and build the paging links.

export const PAGE_SIZE = '50';

const FIELDS = ['namespace', 'image', 'decision', 'reason', 'break-glass', 'user', 'since', 'until', 'limit'] as const;

export type FilterParams = Readonly<Partial<Record<(typeof FIELDS)[number], string>>>;

export interface DecisionQuery {
  readonly params: FilterParams;
  readonly filter: DecisionFilter;
}

/** UsageError (shown on the page, status 400) when a value is not acceptable. */
export function readDecisionQuery(query: URLSearchParams, now: number): DecisionQuery {
  const params: Partial<Record<(typeof FIELDS)[number], string>> = {};
  for (const field of FIELDS) {
    const value = query.get(field)?.trim();
    if (value !== undefined && value !== '') params[field] = value;
  }
  const text: DecisionFilterText = {
    namespace: params.namespace,
    image: params.image,
    decision: params.decision,
    reason: params.reason,
    breakGlass: params['break-glass'] !== undefined,
    user: params.user,
    since: params.since,
    until: params.until,
    limit: params.limit ?? PAGE_SIZE,
    before: query.get('before') ?? undefined,
  };
  return { params, filter: parseDecisionFilter(text, now, (field) => field) };
}
