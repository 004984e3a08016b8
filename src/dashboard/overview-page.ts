import { type AuditOverview, OVERVIEW_WINDOWS, type OverviewWindow } from '../service/audit-overview';
import { type SafeHtml, html } from './html';
import { href, layout, shortTime } from './layout';
import { timelineChart } from './timeline-chart';

// Overview (issue 15): decisions over time, counts per namespace, top reason codes and top denied images.

export function overviewPage(o: AuditOverview): SafeHtml {
  const { stats, topDenied } = o;
  const since = new Date(o.from).toISOString();
  const decisionsLink = (params: Record<string, string>): string => href('/decisions', { since, ...params });
  const windows = (Object.keys(OVERVIEW_WINDOWS) as OverviewWindow[]).map(
    (w) => html`<a href="${href('/', { window: w })}"${w === o.window ? html` class="active"` : ''}>last ${w}</a>`,
  );
  return layout(
    'overview',
    'Overview',
    html`<div class="actions windows">${windows}<span class="muted">${shortTime(o.from)} to ${shortTime(o.to)} (whole UTC hours)</span>
<a href="${href('/stats.json', { since })}">stats JSON (as audit stats --since … --json)</a><a href="${href('/stats.csv', { since })}">stats CSV (as audit stats --since … --csv)</a></div>
<div class="panel">
<dl class="facts"><dt>decisions</dt><dd>${stats.total}</dd><dt>allowed</dt><dd>${stats.allowed}</dd>
<dt>denied</dt><dd><a href="${decisionsLink({ decision: 'denied' })}">${stats.denied}</a></dd>
<dt>dry-run would-deny</dt><dd>${o.timeline.reduce((sum, b) => sum + b.wouldDeny, 0)}</dd>
<dt>break-glass</dt><dd><a href="${href('/break-glass', { since })}">${stats.breakGlass}</a></dd></dl>
</div>
<div class="panel"><h2>Decisions over time</h2>${timelineChart(o.timeline, OVERVIEW_WINDOWS[o.window].bucketHours)}</div>
<div class="grid">
<div class="panel"><h2>Top denied images</h2>
${topDenied.images.length === 0 ? html`<p class="muted">no denials</p>` : html`<table><thead><tr><th>image</th><th class="num">denials</th></tr></thead><tbody>
${topDenied.images.map((i) => html`<tr><td class="mono"><a href="${decisionsLink({ image: i.image, decision: 'denied' })}">${i.image}</a></td><td class="num">${i.denials}</td></tr>`)}
</tbody></table>`}
${topDenied.capped ? html`<p class="muted">counted over the newest ${topDenied.decisionsRead} denials of the period</p>` : ''}
</div>
<div class="panel"><h2>Top reason codes</h2>
${stats.byReason.length === 0 ? html`<p class="muted">no reasons recorded</p>` : html`<table><thead><tr><th>reason</th><th class="num">decisions</th></tr></thead><tbody>
${stats.byReason.slice(0, 10).map((r) => html`<tr><td><a href="${decisionsLink({ reason: r.reason })}">${r.reason}</a></td><td class="num">${r.count}</td></tr>`)}
</tbody></table>`}
</div>
<div class="panel"><h2>Per namespace</h2>
${stats.byNamespace.length === 0 ? html`<p class="muted">no decisions</p>` : html`<table><thead><tr><th>namespace</th><th class="num">allowed</th><th class="num">denied</th></tr></thead><tbody>
${stats.byNamespace.slice(0, 25).map((n) => html`<tr><td><a href="${decisionsLink({ namespace: n.namespace })}">${n.namespace === '' ? '(none)' : n.namespace}</a></td><td class="num">${n.allowed}</td><td class="num">${n.denied}</td></tr>`)}
</tbody></table>`}
${stats.byNamespace.length > 25 ? html`<p class="muted">the 25 busiest of ${stats.byNamespace.length} namespaces; all in stats JSON</p>` : ''}
</div>
</div>`,
  );
}
