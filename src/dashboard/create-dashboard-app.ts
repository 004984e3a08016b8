import express, { type NextFunction, type Request, type Response } from 'express';
import { decisionJson, decisionsCsv, statsCsv, statsJson } from '../cli/commands/audit-output';
import { approvalsView } from '../cli/commands/approvals';
import { GRANTS_VIEW } from '../cli/commands/break-glass';
import { listCsv, listJson } from '../cli/output';
import { AppError, NotFoundError, errorMessage } from '../errors';
import type { Logger } from '../logger';
import { approvalSections } from '../service/approval-sections';
import { auditOverview, isOverviewWindow } from '../service/audit-overview';
import { auditStatistics } from '../service/audit-statistics';
import { breakGlassUses } from '../service/break-glass-uses';
import type { ChainVerification } from '../service/chain-verification';
import { pendingVerdicts } from '../service/pending-approvals';
import { PENDING_VIEW } from '../cli/commands/approvals-pending';
import { eventJson, historyCsv } from '../cli/commands/approvals-history';
import { approvalHistory } from '../service/approval-history';
import { requireRef } from '../service/require-ref';
import type { CompiledPolicy } from '../core/types';
import { decisionDetail } from '../service/decision-detail';
import { decisionPage as listPage, listDecisions } from '../service/list-decisions';
import { parseDecisionFilter } from '../service/parse-decision-filter';
import type { AuditDecision } from '../store/audit-query';
import type { Store } from '../store/store';
import { approvalHistoryPage } from './approval-history-page';
import { approvalsPage } from './approvals-page';
import { breakGlassPage } from './break-glass-page';
import { DASHBOARD_CSS } from './dashboard-css';
import { requireToken } from './dashboard-auth';
import { decisionPage } from './decision-page';
import { readDecisionQuery } from './decision-query';
import { decisionsPage } from './decisions-page';
import { html } from './html';
import { layout } from './layout';
import { overviewPage } from './overview-page';

// The read-only audit dashboard (issue 15, SPEC §10): its own Express app on its own listener, every page built from
// the service layer that the CLI calls, every download the CLI's own output. Only GET and HEAD are answered: no
// request changes anything.

export interface DashboardDeps {
  /** Opened read-only: the dashboard cannot write even by mistake. */
  readonly store: Store;
  readonly verification: () => ChainVerification;
  /** The policy in force: pending digests are judged by it, as `approvals pending` does. */
  readonly policy: () => CompiledPolicy;
  readonly clock: () => number;
  /** The bearer token (`--dashboard-token-file`), or null on loopback without one. */
  readonly token: string | null;
  readonly logger: Logger;
}

/** No script from anywhere, styles and images from this origin only, no framing, forms submit here only. */
export const DASHBOARD_CSP =
  "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** Rows per Approvals section. */
const APPROVALS_PER_SECTION = 100;

type Handler = (req: Request, res: Response) => Promise<void>;

export function createDashboardApp(deps: DashboardDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', false);
  app.use((_req, res, next) => {
    res.set({
      'Content-Security-Policy': DASHBOARD_CSP,
      'X-Content-Type-Options': 'nosniff',
      'X-Frame-Options': 'DENY',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Resource-Policy': 'same-origin',
      'Cache-Control': 'no-store',
    });
    next();
  });
  app.use((req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD') return next();
    res.status(405).set('Allow', 'GET, HEAD').type('text').send('the dashboard is read-only: GET and HEAD only\n');
  });
  if (deps.token !== null) app.use(requireToken(deps.token));

  const { store, clock } = deps;
  // One reader for the app's life: it caches facts per store generation, as the review path's does.
  const reader = store.snapshotReader();
  const route = (path: string, handler: Handler): void => {
    app.get(path, (req, res, next) => void handler(req, res).catch(next));
  };
  const query = (req: Request): URLSearchParams => new URL(req.originalUrl, 'http://dashboard.invalid').searchParams;

  route('/assets/dashboard.css', async (_req, res) => {
    res.set('Cache-Control', 'max-age=3600').type('css').send(DASHBOARD_CSS);
  });
  route('/', async (req, res) => {
    const window = query(req).get('window') ?? '24h';
    if (!isOverviewWindow(window)) throw new NotFoundError(`no overview window ${JSON.stringify(window.slice(0, 20))} (24h, 7d or 30d)`);
    sendHtml(res, overviewPage(await auditOverview(store.audit, window, clock())).text);
  });
  route('/stats.json', async (req, res) => {
    const since = sinceOf(query(req), clock());
    sendDownload(res, 'stats.json', 'application/json', `${JSON.stringify(statsJson(await auditStatistics(store.audit, { since })))}\n`);
  });
  route('/stats.csv', async (req, res) => {
    const since = sinceOf(query(req), clock());
    sendDownload(res, 'stats.csv', 'text/csv', `${statsCsv(await auditStatistics(store.audit, { since }))}\n`);
  });
  route('/decisions', async (req, res) => {
    const q = readDecisionQuery(query(req), clock());
    const page = await listPage(store.audit, q.filter);
    sendHtml(res, decisionsPage(q.params, page.decisions, page.next, query(req).get('before')).text);
  });
  route('/decisions.json', async (req, res) => {
    const decisions = await listDecisions(store.audit, readDecisionQuery(query(req), clock()).filter);
    sendDownload(res, 'decisions.ndjson', 'application/x-ndjson', ndjson(decisions));
  });
  route('/decisions.csv', async (req, res) => {
    const decisions = await listDecisions(store.audit, readDecisionQuery(query(req), clock()).filter);
    sendDownload(res, 'decisions.csv', 'text/csv', `${decisionsCsv(decisions)}\n`);
  });
  route('/decisions/:id', async (req, res) => {
    const param = String(req.params.id);
    const json = param.endsWith('.json');
    const id = /^[1-9]\d{0,14}$/.exec(json ? param.slice(0, -5) : param)?.[0];
    if (id === undefined) throw new NotFoundError(`no decision ${JSON.stringify(param.slice(0, 20))}`);
    const detail = await decisionDetail(store.audit, Number(id), deps.verification());
    if (json) sendDownload(res, `decision-${id}.json`, 'application/json', JSON.stringify(decisionJson(detail.decision)));
    else sendHtml(res, decisionPage(detail).text);
  });
  route('/break-glass', async (req, res) => {
    const q = readDecisionQuery(query(req), clock());
    const now = clock();
    const [page, grants] = await Promise.all([breakGlassUses(store, q.filter, now), store.grants.list({ all: true, now })]);
    sendHtml(res, breakGlassPage(q.params, page.uses, page.next, query(req).get('before'), grants).text);
  });
  route('/break-glass.json', async (req, res) => {
    const filter = { ...readDecisionQuery(query(req), clock()).filter, breakGlass: true };
    sendDownload(res, 'break-glass.ndjson', 'application/x-ndjson', ndjson(await listDecisions(store.audit, filter)));
  });
  route('/break-glass.csv', async (req, res) => {
    const filter = { ...readDecisionQuery(query(req), clock()).filter, breakGlass: true };
    sendDownload(res, 'break-glass.csv', 'text/csv', `${decisionsCsv(await listDecisions(store.audit, filter))}\n`);
  });
  const grants = () => store.grants.list({ all: true, now: clock() });
  route('/break-glass/grants.json', async (_req, res) => {
    sendDownload(res, 'grants.json', 'application/json', `${listJson(await grants(), GRANTS_VIEW)}\n`);
  });
  route('/break-glass/grants.csv', async (_req, res) => {
    sendDownload(res, 'grants.csv', 'text/csv', `${listCsv(await grants(), GRANTS_VIEW)}\n`);
  });
  const pending = () => pendingVerdicts({ events: store.events, reader, policy: deps.policy(), now: clock() }, undefined);
  route('/approvals', async (_req, res) => {
    const [sections, verdicts] = await Promise.all([approvalSections(store.approvals, clock(), APPROVALS_PER_SECTION), pending()]);
    sendHtml(res, approvalsPage(sections, verdicts, APPROVALS_PER_SECTION).text);
  });
  // ?all=1 as `approvals --all`.
  const approvals = async (req: Request) => {
    const [list, deletions] = await Promise.all([store.approvals.list({ all: query(req).get('all') === '1', now: clock() }), store.events.deletions()]);
    return { list, view: approvalsView(deletions) };
  };
  route('/approvals.json', async (req, res) => {
    const { list, view } = await approvals(req);
    sendDownload(res, 'approvals.json', 'application/json', `${listJson(list, view)}\n`);
  });
  route('/approvals.csv', async (req, res) => {
    const { list, view } = await approvals(req);
    sendDownload(res, 'approvals.csv', 'text/csv', `${listCsv(list, view)}\n`);
  });
  route('/approvals/pending.json', async (_req, res) => {
    sendDownload(res, 'pending.json', 'application/json', `${listJson(await pending(), PENDING_VIEW)}\n`);
  });
  route('/approvals/pending.csv', async (_req, res) => {
    sendDownload(res, 'pending.csv', 'text/csv', `${listCsv(await pending(), PENDING_VIEW)}\n`);
  });
  // ?ref= as `approvals history REF` takes it; an unreadable or never-approved one is a 400 or 404 page.
  const history = async (req: Request) => {
    const ref = query(req).get('ref') ?? '';
    return { ref, events: await approvalHistory(store, requireRef(ref), clock()) };
  };
  route('/approvals/history', async (req, res) => {
    const { ref, events } = await history(req);
    sendHtml(res, approvalHistoryPage(ref, events).text);
  });
  route('/approvals/history.json', async (req, res) => {
    sendDownload(res, 'approval-history.json', 'application/json', JSON.stringify((await history(req)).events.map(eventJson)));
  });
  route('/approvals/history.csv', async (req, res) => {
    sendDownload(res, 'approval-history.csv', 'text/csv', `${historyCsv((await history(req)).events)}\n`);
  });
  app.use((req, _res, next) => next(new NotFoundError(`no page ${req.path}`)));
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const known = err instanceof AppError && err.httpStatus < 500;
    if (!known) deps.logger.error('dashboard request failed', { error: errorMessage(err) });
    const status = err instanceof AppError ? err.httpStatus : 500;
    const message = known ? errorMessage(err) : 'the dashboard could not answer (see the server log)';
    res.status(status).type('html').send(layout(null, status === 404 ? 'Not found' : 'Cannot show this', html`<p class="notice bad error">${message}</p>`).text);
  });
  return app;
}

/** `?since=` as `audit stats --since` reads it; absent: the whole trail. */
function sinceOf(query: URLSearchParams, now: number): number | undefined {
  const since = query.get('since') ?? undefined;
  return since === undefined ? undefined : parseDecisionFilter({ since, limit: '1' }, now, (field) => field).since;
}

/** `audit --json` prints one decision per line. */
function ndjson(decisions: readonly AuditDecision[]): string {
  return decisions.map((d) => `${JSON.stringify(decisionJson(d))}\n`).join('');
}

function sendHtml(res: Response, body: string): void {
  res.type('html').send(body);
}

function sendDownload(res: Response, name: string, type: string, body: string): void {
  res.type(type).set('Content-Disposition', `attachment; filename="${name}"`).send(body);
}
