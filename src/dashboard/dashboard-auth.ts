import crypto from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { html } from './html';
import { layout } from './layout';

// The dashboard's bearer token (`serve --dashboard-token-file`, SPEC §7, §10). Scripts send `Authorization: Bearer T`;
// a browser opens `/?token=T` once (serve logs the URL, never the token), which sets an HttpOnly, SameSite=Strict cookie holding the
// token and redirects to the same page without it, so the token leaves the address bar and the history at once.

export const TOKEN_COOKIE = 'image-reviewer-dashboard';

/** Compared through their SHA-256 digests: equal lengths for timingSafeEqual, and no early exit on a prefix. */
export function tokenMatches(given: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

export function requireToken(token: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const url = new URL(req.originalUrl, 'http://dashboard.invalid');
    const fromQuery = url.searchParams.get('token');
    if (fromQuery !== null && tokenMatches(fromQuery, token)) {
      url.searchParams.delete('token');
      res.cookie(TOKEN_COOKIE, token, { httpOnly: true, sameSite: 'strict', path: '/', secure: req.secure });
      res.redirect(303, `${url.pathname}${url.search}`);
      return;
    }
    if (presentedToken(req) !== null && tokenMatches(presentedToken(req) ?? '', token)) {
      next();
      return;
    }
    res
      .status(401)
      .set('WWW-Authenticate', 'Bearer realm="image-reviewer dashboard"')
      .type('html')
      .send(layout(null, 'Token required', html`<p class="notice bad">This dashboard needs its token: open this address with <code>?token=</code> followed by the contents of the <code>--dashboard-token-file</code>, or send <code>Authorization: Bearer &lt;token&gt;</code>.</p>`).text);
  };
}

function presentedToken(req: Request): string | null {
  const header = req.get('authorization');
  const bearer = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
  if (bearer !== null && bearer !== undefined) return bearer;
  return cookieValue(req.get('cookie'), TOKEN_COOKIE);
}

function cookieValue(header: string | undefined, name: string): string | null {
  for (const part of header?.split(';') ?? []) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}
