import type { AuditDecision } from '../store/audit-query';
import { type SafeHtml, html } from './html';
import { shortTime } from './layout';

// The decisions table shared by the Decisions page and the Break-glass page.

export function decisionTag(d: AuditDecision): SafeHtml {
  if (d.breakGlass) return html`<span class="tag break-glass">break-glass</span>`;
  if (!d.allowed) return html`<span class="tag denied">denied</span>`;
  if (d.overridden !== null && d.mode === 'dry-run') return html`<span class="tag dry-run">would deny</span>`;
  return html`<span class="tag allowed">allowed</span>`;
}

export function reasonCodes(d: AuditDecision): readonly string[] {
  return [...new Set(d.images.flatMap((i) => i.reasons))];
}

export function decisionsTable(decisions: readonly AuditDecision[]): SafeHtml {
  if (decisions.length === 0) return html`<p class="muted">no matching decisions</p>`;
  return html`<table class="decisions"><thead><tr><th>id</th><th>time</th><th>namespace</th><th>user</th><th>decision</th><th>mode</th>
<th>ticket</th><th>reasons</th><th>images</th></tr></thead><tbody>
${decisions.map(
  (d) => html`<tr data-id="${d.id}"><td><a href="/decisions/${d.id}">${d.id}</a></td><td class="mono">${shortTime(d.time)}</td>
<td>${d.namespace === '' ? html`<span class="muted">(none)</span>` : d.namespace}</td><td>${d.user ?? html`<span class="muted">-</span>`}</td>
<td>${decisionTag(d)}</td><td>${d.mode}</td><td class="mono">${d.ticket ?? ''}</td><td>${reasonCodes(d).join(', ')}</td>
<td class="mono">${d.images.map((i, n) => html`${n > 0 ? html`<br>` : ''}${i.image}`)}</td></tr>`,
)}
</tbody></table>`;
}
