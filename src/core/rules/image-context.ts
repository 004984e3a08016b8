import type { Check, CompiledPolicy, ImageFacts, ImageRef, SignatureVerification, TagResolution } from '../types';

/** A CVE exception that is in force at decision time, with its repository glob compiled once per decision. */
export interface ActiveException {
  readonly id: number;
  readonly vulnerabilityId: string;
  readonly appliesTo: (repository: string) => boolean;
}

/** What one image's checks see: its parsed reference, the digest judged, and the facts about that digest. */
export interface ImageContext {
  readonly ref: ImageRef;
  /** In `tags: resolve` mode, the registry's answer for a tag-only reference; null otherwise or when absent. */
  readonly resolution: TagResolution | null;
  /** The digest judged: the reference's own, else the one a successful tag resolution gave; null when neither. */
  readonly digest: string | null;
  /** Approval and scan for repository+digest; both null when the digest is unknown or the store has nothing. */
  readonly facts: ImageFacts;
  /** Signatures verified at review time (`approves: true` entries); null when they were not looked up. */
  readonly signature: SignatureVerification | null;
  readonly exceptions: readonly ActiveException[];
  readonly policy: CompiledPolicy;
  readonly now: number;
  /** Build the messages of passed and skipped checks (`explain`); false on the review path, which never reads them. */
  readonly describe: boolean;
}

export type ImageRule = (context: ImageContext) => Check;
