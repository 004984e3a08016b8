import type { Policy } from '../types';
import { compilePolicy } from './compile-policy';
import type { CompiledPolicy } from '../types';

export const BUILT_IN_SOURCE = 'built-in default';

/**
 * The documented built-in default (SPEC §5), used by `serve` without `--policy`, and the value of every key a policy
 * file leaves out. It fails closed: no registry is allowed until the operator names theirs, digests are required,
 * and a recent scan without critical findings is needed. kube-system is exempt so the control plane can always
 * start its own pods.
 */
export const DEFAULT_POLICY: Policy = Object.freeze({
  registries: Object.freeze([]),
  tags: 'require-digest',
  tagCacheSeconds: 60,
  scan: Object.freeze({
    required: true,
    maxAgeDays: 90,
    maxFindings: Object.freeze({ CRITICAL: 0 }),
    ignoreUnfixed: false,
  }),
  images: Object.freeze({ maxAgeDays: 0 }),
  versionFloors: Object.freeze([]),
  breakGlass: Object.freeze({
    enabled: false,
    namespaces: Object.freeze(['*']),
    requireTicket: true,
    requireGrant: false,
  }),
  defaultMode: 'enforce',
  namespaces: Object.freeze([Object.freeze({ match: 'kube-system', mode: 'exempt' })]),
  signatures: Object.freeze([]),
  autoApprove: Object.freeze([]),
});

export function builtInPolicy(): CompiledPolicy {
  return compilePolicy(DEFAULT_POLICY, BUILT_IN_SOURCE);
}
