import type { ApprovalSections } from '../service/approval-sections';
import type { PendingVerdict } from '../service/pending-approvals';
import type { ApprovalRecord } from '../store/approvals-repository';
import { approvalHistoryHref } from './approval-history-page';
import { type SafeHtml, html } from './html';
import { layout, shortTime } from './layout';

// Approvals (issue 15): pending (pushed, not approved: registry events), expiring within 14 days, current, revoked,
// expired; each digest links to its history (approval-history-page.ts).

export function approvalsPage(sections: ApprovalSections, pending: readonly PendingVerdict[], limit: number): SafeHtml {
  const section = (id: string, title: string, rows: readonly ApprovalRecord[], empty: string): SafeHtml => html`<h2 id="${id}">${title}</h2>
${rows.length >= limit ? html`<p class="muted">the first ${limit}; the JSON downloads have them all</p>` : ''}
<div class="panel">${rows.length === 0 ? html`<p class="muted">${empty}</p>` : approvalsTable(rows)}</div>`;
  return layout(
    'approvals',
    'Approvals',
    html`<div class="actions"><a href="/approvals.json">JSON (as approvals --json)</a><a href="/approvals.csv">CSV (as approvals --csv)</a><a href="/approvals.json?all=1">JSON with revoked and expired (as approvals --all --json)</a><a href="/approvals.csv?all=1">CSV with revoked and expired (as approvals --all --csv)</a></div>
${section('expiring', 'Expiring within 14 days', sections.expiring, 'none expire within 14 days')}
${section('active', 'Current', sections.active, 'no current approvals')}
${section('revoked', 'Revoked', sections.revoked, 'none revoked')}
${section('expired', 'Expired', sections.expired, 'none expired')}
<h2 id="pending">Pending</h2>
<div class="actions"><a href="/approvals/pending.json">JSON (as approvals pending --json)</a><a href="/approvals/pending.csv">CSV (as approvals pending --csv)</a></div>
<div class="panel">${pending.length === 0 ? html`<p class="muted">no digest pushed and awaiting approval (registry events)</p>` : pendingTable(pending)}</div>`,
  );
}

function approvalsTable(rows: readonly ApprovalRecord[]): SafeHtml {
  return html`<table><thead><tr><th>repository</th><th>digest</th><th>tag</th><th>status</th><th>approved</th><th>by</th><th>expires</th><th>reason</th></tr></thead><tbody>
${rows.map(
  (a) => html`<tr><td class="mono">${a.repository}</td><td class="mono"><a href="${approvalHistoryHref(a.repository, a.digest)}" title="every approve and revoke of this digest">${a.digest}</a></td><td>${a.tag ?? '-'}</td><td>${a.status}</td>
<td class="mono">${shortTime(a.approvedAt)}</td><td>${a.approvedBy}</td><td class="mono">${a.expiresAt === null ? 'never' : shortTime(a.expiresAt)}</td>
<td>${a.status === 'revoked' ? html`revoked ${shortTime(a.revokedAt)} by ${a.revokedBy ?? '?'}: ${a.revokeReason ?? '-'}` : (a.reason ?? '')}</td></tr>`,
)}</tbody></table>`;
}

function pendingTable(rows: readonly PendingVerdict[]): SafeHtml {
  return html`<table><thead><tr><th>repository</th><th>digest</th><th>tag</th><th>pushed</th><th>by</th><th>verdict once approved</th></tr></thead><tbody>
${rows.map(
  (v) => html`<tr><td class="mono">${v.pending.repository}</td><td class="mono">${v.pending.digest}</td><td>${v.pending.tag ?? '-'}</td>
<td class="mono">${shortTime(v.pending.pushedAt)}</td><td>${v.pending.pushedBy ?? '-'}</td>
<td>${v.wouldPass ? html`<span class="tag allowed">would pass</span>` : html`<span class="tag denied">would fail</span> ${v.reasons.map((r) => `${r.code} (${r.message})`).join('; ')}`}</td></tr>`,
)}</tbody></table>`;
}
