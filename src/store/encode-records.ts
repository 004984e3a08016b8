import type { DecisionRecord } from './decision-record';

// How a batch of decisions crosses to the audit writer thread: as JSON text. Cloning one string costs the
// event loop a copy, where the structured clone of the records' objects took a tenth of its time under
// load (cpu profile, bench/RESULTS.md, SPEC §11).

/** Records were checked by decisionRecordProblem first: every field is JSON (no undefined, finite numbers). */
export function encodeRecords(records: readonly DecisionRecord[]): string {
  return JSON.stringify(records);
}

/** The inverse of encodeRecords, for text written by the same build of this program (the thread ships beside it). */
export function decodeRecords(text: string): readonly DecisionRecord[] {
  const records: readonly DecisionRecord[] = JSON.parse(text);
  return records;
}
