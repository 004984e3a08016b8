import type { Router } from 'express';
import express from 'express';
import type { Metrics } from './metrics';

export type Readiness = { readonly ready: true } | { readonly ready: false; readonly problems: readonly string[] };

/**
 * `/healthz` says the process answers; `/readyz` says it can decide and record (store open, migrated, writable);
 * `/metrics` is the Prometheus text format (SPEC §2, §9). Plain-text `ok` bodies as the kube-apiserver's own probes.
 */
export function createHealthRoutes(deps: {
  readonly readiness: () => Readiness | Promise<Readiness>;
  readonly metrics: Metrics;
}): Router {
  const router = express.Router();
  router.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok');
  });
  router.get('/readyz', async (_req, res) => {
    const state = await deps.readiness();
    if (state.ready) {
      res.type('text/plain').send('ok');
    } else {
      res.status(503).type('text/plain').send(`not ready: ${state.problems.join('; ')}`);
    }
  });
  router.get('/metrics', async (_req, res, next) => {
    try {
      const body = await deps.metrics.registry.metrics();
      res.type(deps.metrics.registry.contentType).send(body);
    } catch (err) {
      next(err);
    }
  });
  return router;
}
