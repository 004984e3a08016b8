import { UsageError } from '../errors';
import type { AddExceptionInput, ExceptionRecord, ExceptionsRepository } from '../store/exceptions-repository';

// CVE exceptions (SPEC §7 `exception`): each with an expiry and a reason, so that an accepted risk is never
// accepted forever or without a record of why.

/** Vulnerability IDs are CVE-…, GHSA-…, ALPINE-…, RUSTSEC-…: checked loosely so any scanner's IDs fit. */
const MAX_VULN_ID_LENGTH = 128;

/** Adds an exception for a vulnerability ID as scanners write them; UsageError for anything else. */
export function addException(exceptions: ExceptionsRepository, input: AddExceptionInput): Promise<ExceptionRecord> {
  const id = input.vulnerabilityId;
  // Checked before anything is stored, so a typo never becomes an exception that matches nothing.
  if (id.length === 0 || id.length > MAX_VULN_ID_LENGTH || /\s/.test(id)) {
    throw new UsageError(
      `invalid vulnerability ID ${JSON.stringify(id.slice(0, 40))}: expected 1–${MAX_VULN_ID_LENGTH} characters without spaces (CVE-2024-1234)`,
    );
  }
  return exceptions.add(input);
}
