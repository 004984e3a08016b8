import type { ApprovalEvent } from '../service/approval-history';
import { type SafeHtml, html } from './html';
import { layout, shortTime } from './layout';

// One digest's approvals as a history (issue 15, SPEC §6): every approve and revoke, oldest first, as
// `approvals history REF` prints them; a revocation stays in view after the digest is approved again.

/** The page of `ref` (as the CLI takes it: repo@digest, or repo:tag for every digest recorded under the tag). */
export function approvalHistoryPage(ref: string, events: readonly ApprovalEvent[]): SafeHtml {
  const query = `ref=${encodeURIComponent(ref)}`;
  return layout(
    'approvals',
    'Approval history',
    html`<p class="mono">${ref}</p>
<div class="actions"><a href="/approvals/history.json?${query}">JSON (as approvals history --json)</a><a href="/approvals/history.csv?${query}">CSV (as approvals history --csv)</a></div>
<div class="panel"><table class="history"><thead><tr><th>time</th><th>action</th><th>by</th><th>repository</th><th>digest</th><th>tag</th><th>expires</th><th>reason</th></tr></thead><tbody>
${events.map(
  (e) => html`<tr><td class="mono">${shortTime(e.time)}</td><td>${e.action === 'revoke' ? html`<span class="tag denied">revoke</span>` : html`<span class="tag allowed">approve</span>`}</td>
<td>${e.by}</td><td class="mono">${e.repository}</td><td class="mono">${e.digest}</td><td>${e.tag ?? '-'}</td>
<td class="mono">${e.action === 'revoke' ? '-' : e.expiresAt === null ? 'never' : shortTime(e.expiresAt)}</td><td>${e.reason ?? '-'}</td></tr>`,
)}</tbody></table></div>`,
  );
}

/** The history page's address for one approval's digest. */
export function approvalHistoryHref(repository: string, digest: string): string {
  return `/approvals/history?ref=${encodeURIComponent(`${repository}@${digest}`)}`;
}
