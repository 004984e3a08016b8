import type { DecisionVerification } from '../service/chain-verification';
import type { DecisionDetail } from '../service/decision-detail';
import { decisionTag } from './decision-table';
import { type SafeHtml, html } from './html';
import { layout, shortTime } from './layout';

// One decision (issue 15): every image with its verdict and reason codes, the reason sentence the API server was
// given (each failing check with its message), the policy hash, ticket, chain position and verification state.

export function decisionPage(detail: DecisionDetail): SafeHtml {
  const d = detail.decision;
  return layout(
    'decisions',
    `Decision ${d.id}`,
    html`<div class="panel"><dl class="facts">
<dt>decision</dt><dd>${decisionTag(d)}</dd>
<dt>time</dt><dd class="mono">${new Date(d.time).toISOString()}</dd>
<dt>namespace</dt><dd>${d.namespace === '' ? html`<span class="muted">(none)</span>` : d.namespace}</dd>
<dt>user</dt><dd>${d.user ?? html`<span class="muted">not recorded (ImageReview never says who asked)</span>`}${d.groups !== null && d.groups.length > 0 ? html` <span class="muted">groups: ${d.groups.join(', ')}</span>` : ''}</dd>
<dt>mode</dt><dd>${d.mode}</dd>
<dt>break-glass</dt><dd>${d.breakGlass ? html`yes, ticket <code>${d.ticket ?? '(none)'}</code>` : 'no'}</dd>
<dt>reason</dt><dd class="mono reason">${d.reason}</dd>
${d.overridden !== null ? html`<dt>overridden</dt><dd class="mono">${d.overridden}</dd>` : ''}
<dt>policy hash</dt><dd class="mono">${d.policyHash ?? '-'}</dd>
<dt>latency</dt><dd>${(d.latencyUs / 1000).toFixed(2)} ms</dd>
<dt>chain position</dt><dd>entry ${detail.chainPosition.entry} of the chain <code>${detail.chainPosition.chain}</code></dd>
<dt>verification</dt><dd class="verification">${verificationText(detail.verification)}</dd>
</dl></div>
<div class="actions"><a href="/decisions/${d.id}.json">JSON (as audit --json)</a></div>
<div class="panel"><h2>Images</h2><table><thead><tr><th>#</th><th>image</th><th>repository</th><th>digest</th><th>verdict</th><th>failing checks</th></tr></thead><tbody>
${d.images.map(
  (i, n) => html`<tr><td>${n + 1}</td><td class="mono">${i.image}</td><td class="mono">${i.repository ?? '-'}</td><td class="mono">${i.digest ?? '-'}</td>
<td>${i.unchanged ? html`<span class="tag neutral">unchanged</span>` : i.allowed ? html`<span class="tag allowed">passed</span>` : html`<span class="tag denied">failed</span>`}</td>
<td>${i.reasons.join(', ')}</td></tr>`,
)}
</tbody></table>
<p class="muted">The messages of the failing checks are in the reason above, as the API server showed it.</p></div>`,
  );
}

function verificationText(v: DecisionVerification): SafeHtml {
  switch (v.state) {
    case 'covered':
      return html`<span class="tag allowed">verified</span> chain verified up to decision ${v.upTo} at ${shortTime(v.at)}`;
    case 'newer':
      return html`<span class="tag neutral">not yet</span> newer than the last verification (chain verified up to decision ${v.upTo} at ${shortTime(v.at)})`;
    case 'broken':
      return html`<span class="tag denied">chain broken</span> ${v.firstBadId === null ? '' : html`at decision ${v.firstBadId}: `}${v.problem} (verified at ${shortTime(v.at)}; run <code>image-reviewer audit verify</code>)`;
    case 'not-run':
      return html`<span class="tag neutral">unknown</span> ${v.reason}`;
  }
}
