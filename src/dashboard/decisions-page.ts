import { REASON_CODES } from '../core/types';
import { formatCursor } from '../service/parse-decision-filter';
import type { DecisionCursor } from '../store/audit-query';
import type { AuditDecision } from '../store/audit-query';
import { type FilterParams, PAGE_SIZE } from './decision-query';
import { decisionsTable } from './decision-table';
import { type SafeHtml, html } from './html';
import { href, layout } from './layout';

// Decisions (issue 15): every `audit` filter as a form (GET: nothing changes state), a page of rows, the next page,
// and the same rows as `audit --json` / `audit --csv` would print.

export function decisionsPage(params: FilterParams, decisions: readonly AuditDecision[], next: DecisionCursor | null, before: string | null): SafeHtml {
  const current = { ...params, before: before ?? undefined };
  return layout(
    'decisions',
    'Decisions',
    html`<div class="panel">${filterForm('/decisions', params, true)}</div>
<div class="actions">
<span class="muted">${decisions.length} decision${decisions.length === 1 ? '' : 's'}${before === null ? ', newest first' : ', older page'}</span>
<a href="${href('/decisions.json', current)}">JSON (as audit --json)</a>
<a href="${href('/decisions.csv', current)}">CSV (as audit --csv)</a>
${before !== null ? html`<a href="${href('/decisions', params)}">newest</a>` : ''}
${next !== null ? html`<a rel="next" href="${href('/decisions', { ...params, before: formatCursor(next) })}">older →</a>` : ''}
</div>
<div class="panel">${decisionsTable(decisions)}</div>`,
  );
}

/** The `audit` filters as a GET form; the Break-glass page omits the decision, reason and break-glass fields. */
export function filterForm(action: string, p: FilterParams, all: boolean): SafeHtml {
  const input = (name: keyof FilterParams, label: string, placeholder = ''): SafeHtml =>
    html`<label>${label}<input name="${name}" value="${p[name] ?? ''}" placeholder="${placeholder}"></label>`;
  return html`<form class="filters" method="get" action="${action}">
${input('namespace', 'namespace')}
${input('image', 'image (glob)', 'registry.corp.example/*')}
${all
  ? html`<label>decision<select name="decision"><option value="">any</option>${['allowed', 'denied'].map(
      (d) => html`<option${p.decision === d ? html` selected` : ''}>${d}</option>`,
    )}</select></label>
<label>reason<select name="reason"><option value="">any</option>${REASON_CODES.map(
      (r) => html`<option${p.reason === r ? html` selected` : ''}>${r}</option>`,
    )}</select></label>`
  : ''}
${input('user', 'user')}
${input('since', 'since', '24h or ISO-8601')}
${input('until', 'until', '1h or ISO-8601')}
${input('limit', 'per page', PAGE_SIZE)}
${all ? html`<label class="check"><input type="checkbox" name="break-glass" value="1"${p['break-glass'] !== undefined ? html` checked` : ''}>break-glass only</label>` : ''}
<button type="submit">Filter</button>
</form>`;
}
