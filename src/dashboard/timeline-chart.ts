import type { TimelineBucket } from '../store/audit-timeline';
import { type SafeHtml, html } from './html';

// Decisions over time as server-rendered SVG: one polyline per series, one point per bucket, no script (the CSP
// allows none). Colours come from the stylesheet through class names.

export const CHART_SERIES = [
  { key: 'allowed', label: 'allowed' },
  { key: 'denied', label: 'denied' },
  { key: 'wouldDeny', label: 'dry-run would-deny', className: 'dry-run' },
  { key: 'breakGlass', label: 'break-glass', className: 'break-glass' },
] as const;

const WIDTH = 960;
const HEIGHT = 260;
const PAD = { left: 56, right: 16, top: 12, bottom: 28 };

export function timelineChart(buckets: readonly TimelineBucket[], bucketHours: number): SafeHtml {
  const max = Math.max(1, ...buckets.flatMap((b) => CHART_SERIES.map((s) => b[s.key])));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (i: number): number => PAD.left + (buckets.length <= 1 ? plotW / 2 : (i * plotW) / (buckets.length - 1));
  const y = (n: number): number => PAD.top + plotH - (n * plotH) / max;
  const every = Math.max(1, Math.ceil(buckets.length / 8));
  const label = (start: number): string => {
    const iso = new Date(start).toISOString();
    return bucketHours >= 24 ? iso.slice(5, 10) : `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
  };
  return html`<svg class="chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="decisions per ${bucketHours === 1 ? 'hour' : `${bucketHours} hours`}">
${[0, 0.5, 1].map((f) => html`<line class="gridline" x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(max * f)}" y2="${y(max * f)}"/><text x="${PAD.left - 6}" y="${y(max * f) + 4}" text-anchor="end">${Math.round(max * f)}</text>`)}
<line class="axis" x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${PAD.top + plotH}" y2="${PAD.top + plotH}"/>
${buckets.map((b, i) => (i % every === 0 ? html`<text x="${x(i)}" y="${HEIGHT - 8}" text-anchor="middle">${label(b.start)}</text>` : ''))}
${CHART_SERIES.map((s) => {
  const cls = 'className' in s ? s.className : s.key;
  return html`<g data-series="${s.label}"><polyline class="${cls}" points="${buckets.map((b, i) => `${x(i).toFixed(1)},${y(b[s.key]).toFixed(1)}`).join(' ')}"/>${buckets.map(
    (b, i) => html`<circle class="${cls}" cx="${x(i).toFixed(1)}" cy="${y(b[s.key]).toFixed(1)}" r="2.5"><title>${label(b.start)}: ${b[s.key]} ${s.label}</title></circle>`,
  )}</g>`;
})}
</svg>
<div class="legend">${CHART_SERIES.map(
    // The total beside each name: equal counts draw over each other in the chart.
    (s) => html`<span class="${'className' in s ? s.className : s.key}"><i></i>${s.label} ${buckets.reduce((sum, b) => sum + b[s.key], 0)}</span>`,
  )}</div>`;
}
