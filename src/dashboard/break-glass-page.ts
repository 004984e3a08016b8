import type { BreakGlassUse } from '../service/break-glass-uses';
import { formatCursor } from '../service/parse-decision-filter';
import type { DecisionCursor } from '../store/audit-query';
import type { GrantRecord } from '../store/grants-repository';
import { filterForm } from './decisions-page';
import type { FilterParams } from './decision-query';
import { type SafeHtml, html } from './html';
import { href, layout, shortTime } from './layout';

// Break-glass (issue 15): every override with its ticket, namespace, images, what was overridden and the grant in
// force for it; then the grants themselves (`break-glass list --all`).

export function breakGlassPage(params: FilterParams, uses: readonly BreakGlassUse[], next: DecisionCursor | null, before: string | null, grants: readonly GrantRecord[]): SafeHtml {
  const current = { ...params, before: before ?? undefined };
  return layout(
    'break-glass',
    'Break-glass',
    html`<div class="panel">${filterForm('/break-glass', params, false)}</div>
<div class="actions"><span class="muted">${uses.length} override${uses.length === 1 ? '' : 's'}</span>
<a href="${href('/break-glass.json', current)}">JSON (as audit --break-glass --json)</a>
<a href="${href('/break-glass.csv', current)}">CSV (as audit --break-glass --csv)</a>
${next !== null ? html`<a rel="next" href="${href('/break-glass', { ...params, before: formatCursor(next) })}">older →</a>` : ''}</div>
<div class="panel">${uses.length === 0 ? html`<p class="muted">no break-glass overrides</p>` : html`<table class="decisions"><thead><tr><th>id</th><th>time</th><th>namespace</th><th>ticket</th><th>images</th><th>overridden</th><th>grant</th></tr></thead><tbody>
${uses.map(
  (u) => html`<tr data-id="${u.decision.id}"><td><a href="/decisions/${u.decision.id}">${u.decision.id}</a></td><td class="mono">${shortTime(u.decision.time)}</td>
<td>${u.decision.namespace}</td><td class="mono">${u.decision.ticket ?? '(none)'}</td>
<td class="mono">${u.decision.images.map((i, n) => html`${n > 0 ? html`<br>` : ''}${i.image}`)}</td>
<td class="mono">${u.decision.overridden ?? ''}</td>
<td>${u.grant === null ? html`<span class="muted">none in force</span>` : html`#${u.grant.id} by ${u.grant.grantedBy}, until ${shortTime(u.grant.expiresAt)}`}</td></tr>`,
)}</tbody></table>`}</div>
<h2>Grants</h2>
<div class="actions"><a href="/break-glass/grants.json">JSON (as break-glass list --all --json)</a><a href="/break-glass/grants.csv">CSV (as break-glass list --all --csv)</a></div>
<div class="panel">${grants.length === 0 ? html`<p class="muted">no grants</p>` : html`<table><thead><tr><th>id</th><th>namespace</th><th>ticket</th><th>status</th><th>granted</th><th>by</th><th>expires</th><th>reason</th></tr></thead><tbody>
${grants.map(
  (g) => html`<tr><td>${g.id}</td><td>${g.namespace}</td><td class="mono">${g.ticket}</td><td>${g.status}</td><td class="mono">${shortTime(g.grantedAt)}</td>
<td>${g.grantedBy}</td><td class="mono">${shortTime(g.expiresAt)}</td><td>${g.reason ?? ''}${g.revokedBy !== null ? html` <span class="muted">(revoked by ${g.revokedBy})</span>` : ''}</td></tr>`,
)}</tbody></table>`}</div>`,
  );
}
