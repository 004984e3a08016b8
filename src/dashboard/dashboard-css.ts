// The dashboard's only stylesheet, served from its own origin (`/assets/dashboard.css`): the Content-Security-Policy
// allows styles from 'self' only, so no inline style attribute or <style> element would apply.

export const DASHBOARD_CSS = `
:root { color-scheme: light; --fg: #1d2330; --muted: #5b6474; --line: #d9dee7; --bg: #f6f7f9; --accent: #2457c5;
  --allowed: #2e8b57; --denied: #c0392b; --dry-run: #d68910; --break-glass: #7d3c98; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { background: #1d2330; color: #fff; padding: 0 24px; display: flex; align-items: center; gap: 24px; }
header .brand { font-weight: 600; padding: 12px 0; }
nav a { color: #c9d3e6; text-decoration: none; padding: 14px 10px; display: inline-block; }
nav a.active, nav a:hover { color: #fff; border-bottom: 3px solid #6f9bff; }
main { padding: 20px 24px 40px; max-width: 1400px; }
h1 { font-size: 20px; margin: 0 0 12px; }
h2 { font-size: 16px; margin: 24px 0 8px; }
a { color: var(--accent); }
.panel { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 14px 16px; margin-bottom: 16px; overflow-x: auto; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 16px; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .03em; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; overflow-wrap: anywhere; }
.muted { color: var(--muted); }
.tag { display: inline-block; white-space: nowrap; padding: 0 6px; border-radius: 3px; font-size: 12px; font-weight: 600; color: #fff; }
.tag.allowed { background: var(--allowed); } .tag.denied { background: var(--denied); }
.tag.dry-run { background: var(--dry-run); } .tag.break-glass { background: var(--break-glass); }
.tag.neutral { background: #8a93a3; }
form.filters { display: flex; flex-wrap: wrap; gap: 10px 14px; align-items: flex-end; }
form.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); gap: 2px; }
form.filters input, form.filters select { font: inherit; padding: 4px 6px; border: 1px solid var(--line); border-radius: 4px; min-width: 120px; }
form.filters label.check { flex-direction: row; align-items: center; gap: 6px; }
form.filters label.check input { min-width: 0; }
button { font: inherit; padding: 5px 14px; border: 1px solid var(--accent); background: var(--accent); color: #fff; border-radius: 4px; cursor: pointer; }
.actions { display: flex; gap: 14px; align-items: center; margin: 8px 0; flex-wrap: wrap; }
.windows a { margin-right: 10px; } .windows a.active { font-weight: 700; color: var(--fg); text-decoration: none; }
.legend span { margin-right: 14px; font-size: 12px; }
.legend i { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 4px; }
.legend .allowed i { background: var(--allowed); } .legend .denied i { background: var(--denied); }
.legend .dry-run i { background: var(--dry-run); } .legend .break-glass i { background: var(--break-glass); }
svg.chart { width: 100%; height: auto; display: block; }
svg.chart .axis { stroke: #9aa3b2; stroke-width: 1; }
svg.chart .gridline { stroke: #e7eaf0; stroke-width: 1; }
svg.chart text { fill: #5b6474; font-size: 11px; }
svg.chart polyline { fill: none; stroke-width: 2; }
svg.chart .allowed { stroke: var(--allowed); fill: var(--allowed); } svg.chart .denied { stroke: var(--denied); fill: var(--denied); }
svg.chart .dry-run { stroke: var(--dry-run); fill: var(--dry-run); } svg.chart .break-glass { stroke: var(--break-glass); fill: var(--break-glass); }
svg.chart polyline.allowed, svg.chart polyline.denied, svg.chart polyline.dry-run, svg.chart polyline.break-glass { fill: none; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; margin: 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
.notice { padding: 8px 12px; border-radius: 4px; background: #eef3ff; border: 1px solid #c9d8ff; }
.notice.bad { background: #fdecea; border-color: #f5c2bd; }
.error { color: var(--denied); font-weight: 600; }
`;
