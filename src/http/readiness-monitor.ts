import type { Logger } from '../logger';
import type { Readiness } from './health-routes';

export interface ReadinessMonitor {
  /** The readiness check, logging each change between ready and not ready (with the reasons). */
  readonly readiness: () => Promise<Readiness>;
  stop(): void;
}

/**
 * Evaluates readiness every `intervalMs` as well as on each `/readyz`, and logs when it changes: a store
 * deleted, replaced or truncated on an idle server is then in the log within one interval even when nothing
 * probes it (SPEC §9), and the log says why the server stopped being ready and when it came back.
 */
export function monitorReadiness(check: () => Promise<Readiness>, intervalMs: number, logger: Logger): ReadinessMonitor {
  let wasReady = true;
  const readiness = async (): Promise<Readiness> => {
    const state = await check();
    if (state.ready !== wasReady) {
      if (state.ready) logger.info('ready again');
      else logger.error('not ready', { problems: state.problems });
      wasReady = state.ready;
    }
    return state;
  };
  const timer = setInterval(() => void readiness(), intervalMs);
  timer.unref();
  return { readiness, stop: () => clearInterval(timer) };
}
