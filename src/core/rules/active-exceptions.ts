import { compileGlob } from '../glob';
import type { CveException } from '../types';
import type { ActiveException } from './image-context';

/**
 * The exceptions in force at `now` (an exception stops counting at its expiry instant), with repository globs
 * compiled once per decision rather than once per finding. IDs compare without case: scanners and operators
 * disagree on `cve-` versus `CVE-`.
 */
export function activeExceptions(exceptions: readonly CveException[], now: number): readonly ActiveException[] {
  return exceptions
    .filter((exception) => exception.expiresAt > now)
    .map((exception) => {
      const repository = exception.repository;
      return {
        id: exception.id,
        vulnerabilityId: exception.vulnerabilityId.toUpperCase(),
        appliesTo: repository === null ? () => true : compileGlob(repository),
      };
    });
}
