import { type Mode, REASON_CODES, type ReasonCode, type RecordedSignature } from '../core/types';

/** What the audit log records of one review (SPEC §6): one `decisions` row and one row per image. */
export interface DecisionRecord {
  /** Epoch ms when the review was decided. */
  readonly time: number;
  readonly namespace: string;
  /** The answer sent to the API server. */
  readonly allowed: boolean;
  readonly mode: Mode;
  /** Break-glass was applied (overrode failing checks). */
  readonly breakGlass: boolean;
  readonly ticket: string | null;
  /** The `status.reason` sentence. */
  readonly reason: string;
  /** What dry-run or break-glass overrode, when anything. */
  readonly overridden: string | null;
  readonly policyHash: string;
  /** Where the policy came from (a file path or `built-in default`); stored once per policy hash. */
  readonly policySource: string;
  /** The requesting user when the wire format says (AdmissionReview), else null. */
  readonly user: string | null;
  /** The requesting user's groups (AdmissionReview); absent or null for ImageReview. */
  readonly groups?: readonly string[] | null;
  /** Time spent reviewing, in microseconds. */
  readonly latencyUs: number;
  readonly images: readonly DecisionImage[];
}

export interface DecisionImage {
  /** The reference exactly as the pod gave it. */
  readonly image: string;
  /** Normalised repository, null when the reference does not parse. */
  readonly repository: string | null;
  readonly digest: string | null;
  /** This image's own verdict (before dry-run / break-glass). */
  readonly allowed: boolean;
  readonly reasons: readonly ReasonCode[];
  /** An image an UPDATE did not change: recorded, not judged (`allowed` true, no reasons). */
  readonly unchanged?: boolean;
  /** The signature evidence its verdict rested on (SPEC §5 `signatures`); absent or null when none. */
  readonly signature?: RecordedSignature | null;
}

const KNOWN_CODES: ReadonlySet<string> = new Set(REASON_CODES);

/**
 * Checked when a record is appended, before it joins a batch: a malformed record must fail alone, not
 * take the whole group commit (and every concurrent review in it) down with it. Returns the problem, or null.
 */
export function decisionRecordProblem(record: DecisionRecord): string | null {
  if (!Number.isSafeInteger(Math.trunc(record.time)) || record.time < 0) return `invalid time ${record.time}`;
  if (!Number.isFinite(record.latencyUs) || record.latencyUs < 0) return `invalid latency ${record.latencyUs}`;
  for (const image of record.images) {
    const unknown = image.reasons.find((code) => !KNOWN_CODES.has(code));
    if (unknown !== undefined) return `unknown reason code ${JSON.stringify(unknown)} for ${image.image}`;
  }
  return null;
}
