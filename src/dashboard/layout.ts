import { type HtmlValue, type SafeHtml, html } from './html';

// Every page's frame: the navigation, one stylesheet from this origin, no script at all (the CSP allows none).

export type Section = 'overview' | 'decisions' | 'break-glass' | 'approvals';

const SECTIONS: readonly { readonly id: Section; readonly title: string; readonly href: string }[] = [
  { id: 'overview', title: 'Overview', href: '/' },
  { id: 'decisions', title: 'Decisions', href: '/decisions' },
  { id: 'break-glass', title: 'Break-glass', href: '/break-glass' },
  { id: 'approvals', title: 'Approvals', href: '/approvals' },
];

export function layout(section: Section | null, title: string, body: HtmlValue): SafeHtml {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · image-reviewer</title>
<link rel="stylesheet" href="/assets/dashboard.css">
<link rel="icon" href="data:,">
</head>
<body>
<header><span class="brand">image-reviewer</span><nav>${SECTIONS.map(
    (s) => html`<a href="${s.href}"${s.id === section ? html` class="active"` : ''}>${s.title}</a>`,
  )}</nav><span class="muted">read-only audit dashboard</span></header>
<main>
<h1>${title}</h1>
${body}
</main>
</body>
</html>
`;
}

/** `/path?k=v&…` with the empty values left out. */
export function href(path: string, params: Readonly<Record<string, string | undefined>>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') query.set(key, value);
  const text = query.toString();
  return text === '' ? path : `${path}?${text}`;
}

/** ISO-8601 UTC, to the second: what the CLI prints, shorter. */
export function shortTime(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
