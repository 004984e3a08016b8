// Shared value types of the pure decision core (SPEC §3–§5). Nothing here does I/O.
// Times are epoch milliseconds (UTC) everywhere in the core: callers pass `now` in.
import type { KeyObject } from 'node:crypto';
import type { TrustMaterial } from '@sigstore/verify';

export const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'UNKNOWN'] as const;
export type Severity = (typeof SEVERITIES)[number];
export type SeverityCounts = Readonly<Record<Severity, number>>;

export const MODES = ['enforce', 'dry-run', 'exempt'] as const;
export type Mode = (typeof MODES)[number];

/** Reason codes, in the order the checks run (SPEC §4, stable). */
export const REASON_CODES = [
  'invalid-reference',
  'registry-not-allowed',
  'digest-required',
  'tag-unresolved',
  'not-approved',
  'revoked',
  'approval-expired',
  'scan-missing',
  'scan-stale',
  'vulnerabilities',
  'image-too-old',
  'version-below-floor',
  'version-unknown',
  'too-many-images',
  'signature-missing',
  'break-glass-refused',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

/** A parsed, normalised image reference (SPEC §3). */
export interface ImageRef {
  /** The reference exactly as given. */
  readonly original: string;
  /** Registry host[:port], normalised (`docker.io` for Docker Hub). */
  readonly registry: string;
  /** Repository path without the host (`library/nginx`). */
  readonly path: string;
  /** `registry/path`, e.g. `docker.io/library/nginx`. */
  readonly repository: string;
  readonly tag: string | null;
  /** `algorithm:hex`, e.g. `sha256:…`, or null. */
  readonly digest: string | null;
}

/** One image's approval record as the review path sees it (the newest row for repository+digest). */
export interface Approval {
  readonly repository: string;
  readonly digest: string;
  readonly tag: string | null;
  readonly approvedBy: string;
  readonly approvedAt: number;
  readonly reason: string | null;
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
  readonly revokedBy: string | null;
  readonly revokeReason: string | null;
  /** Image build time from the image config (`created`), when known. */
  readonly imageCreatedAt: number | null;
  /** What `approve` established about the digest's signatures, when a `signatures` entry matched; null otherwise. */
  readonly signature: ApprovalSignature | null;
}

/** Who signed a digest, as verified (SPEC §5 `signatures`). */
export interface SignatureEvidence {
  /** The trusted keys (file paths) or keyless identities (`subject (issuer)`) whose signatures verified, sorted. */
  readonly signers: readonly string[];
  /** Digests of the signature artifacts that verified: the `.sig` manifest, or the referrer's bundle manifest. */
  readonly artifacts: readonly string[];
  /** When the signatures were verified, epoch ms. */
  readonly verifiedAt: number;
}

/** The signature record of an approval: verified evidence, or an operator's recorded `--allow-unsigned`. */
export type ApprovalSignature =
  | { readonly kind: 'verified'; readonly evidence: SignatureEvidence }
  | { readonly kind: 'unsigned-allowed'; readonly by: string };

/** The outcome of verifying a digest's signatures against one `signatures` entry (gathered before deciding). */
export type SignatureVerification =
  | { readonly status: 'verified'; readonly evidence: SignatureEvidence }
  | { readonly status: 'failed'; readonly error: string };

/**
 * The signature evidence an image's verdict rested on, as its audit row records it (SPEC §6): the approval's record
 * (verified at approval, or an operator's `--allow-unsigned`), or the reviewer's own verification (`approves: true`),
 * failures included. Null when no `signatures` entry matched or nothing was found to record.
 */
export type RecordedSignature =
  | ({ readonly source: 'approval' | 'review'; readonly kind: 'verified' } & SignatureEvidence)
  | { readonly source: 'approval'; readonly kind: 'unsigned-allowed'; readonly by: string }
  | { readonly source: 'review'; readonly kind: 'failed'; readonly error: string };

/** One vulnerability in one package version (SPEC §7 `scan import`). */
export interface Finding {
  readonly id: string;
  readonly package: string;
  readonly installed: string;
  /** Fixed version(s) as the scanner wrote them, or null when not fixed. */
  readonly fixed: string | null;
  readonly severity: Severity;
}

/** The newest scan of a digest. */
export interface ScanResult {
  readonly digest: string;
  readonly scanner: 'trivy' | 'grype';
  /** When the scanner ran (report date), or import time when the report has none. */
  readonly scannedAt: number;
  readonly findings: readonly Finding[];
}

/** A CVE exception: findings with this ID are not counted while it is active. */
export interface CveException {
  readonly id: number;
  readonly vulnerabilityId: string;
  /** Glob on the normalised repository; null = every repository. */
  readonly repository: string | null;
  readonly expiresAt: number;
  readonly reason: string;
}

/** A pre-authorised emergency override (`break-glass grant`). */
export interface BreakGlassGrant {
  readonly id: number;
  /** Glob on the namespace name. */
  readonly namespace: string;
  readonly ticket: string;
  readonly expiresAt: number;
  readonly revokedAt: number | null;
}

/** Outcome of resolving a tag in `tags: resolve` mode (registry answer gathered before deciding). */
export type TagResolution =
  | { readonly status: 'resolved'; readonly digest: string }
  | { readonly status: 'failed'; readonly error: string };

/** What the store (and, in resolve mode, the registry) knows about one image. */
export interface ImageFacts {
  readonly approval: Approval | null;
  readonly scan: ScanResult | null;
}

/** Everything `decide` needs besides the request and the policy. */
export interface Facts {
  /** Keyed by `repository@digest` (after tag resolution, when any). */
  readonly images: ReadonlyMap<string, ImageFacts>;
  /** Keyed by the image string as given in the request, for tag-only references in resolve mode. */
  readonly tagResolutions: ReadonlyMap<string, TagResolution>;
  /**
   * Keyed by `repository@digest`: signatures verified at review time for `signatures` entries with `approves: true`
   * (absent when not looked up, e.g. the approval already carries evidence).
   */
  readonly signatures: ReadonlyMap<string, SignatureVerification>;
  readonly exceptions: readonly CveException[];
  readonly grants: readonly BreakGlassGrant[];
}

/** A review request, whatever the wire format (ImageReview or AdmissionReview). */
export interface ReviewRequest {
  readonly namespace: string;
  readonly images: readonly string[];
  /** Null-prototype map of annotations (keys from the wire are untrusted). */
  readonly annotations: Readonly<Record<string, string>>;
  /** The requesting user, when the wire format says (AdmissionReview); null for ImageReview. */
  readonly user: string | null;
  /** The requesting user's groups (AdmissionReview); absent for ImageReview. */
  readonly groups?: readonly string[];
  /**
   * Images of an UPDATE that the old object already ran (AdmissionReview): recorded as unchanged, never judged.
   * `images` then holds only the new ones. Absent for ImageReview, which does not say what changed.
   */
  readonly unchanged?: readonly string[];
}

/**
 * How much of a review is judged at all (serve `--max-containers`, `--max-image-chars`). A pod author controls both
 * numbers, so a review past them is a 200 deny, `too-many-images`, never a 400 (SPEC §2).
 */
export interface ReviewLimits {
  readonly maxImages: number;
  /** Total length of the image strings, in UTF-16 code units (characters, for the references a registry accepts). */
  readonly maxImageChars: number;
}

export interface Reason {
  readonly code: ReasonCode;
  /** Short human text naming the failing value ("2 CRITICAL > 0: CVE-2019-14697, …"). */
  readonly message: string;
}

/** Names of the checks an image goes through, in the order they run (SPEC §4). */
export const CHECK_NAMES = [
  'review-size',
  'reference',
  'registry',
  'digest',
  'tag-resolution',
  'approval',
  'revocation',
  'approval-expiry',
  'scan',
  'scan-age',
  'vulnerabilities',
  'image-age',
  'version-floor',
  'signature',
  'break-glass',
] as const;
export type CheckName = (typeof CHECK_NAMES)[number];

/** One check of one image, as `explain` prints it; a failed check carries the reason code it reports. */
export type Check =
  | { readonly name: CheckName; readonly outcome: 'pass' | 'skip'; readonly message: string }
  | { readonly name: CheckName; readonly outcome: 'fail'; readonly code: ReasonCode; readonly message: string };

export interface ImageVerdict {
  readonly image: string;
  /** Normalised repository, null when the reference does not parse. */
  readonly repository: string | null;
  readonly tag: string | null;
  /** The digest that was judged (from the reference, or from tag resolution), or null. */
  readonly digest: string | null;
  /** Whether this image passed every check (before dry-run / break-glass). */
  readonly allowed: boolean;
  readonly reasons: readonly Reason[];
  /** Every check in order, passed, failed or skipped (empty when the namespace is exempt). */
  readonly checks: readonly Check[];
  /** The signature evidence judged (check `signature`), recorded in the audit row; null when none. */
  readonly signature: RecordedSignature | null;
}

export interface BreakGlassOutcome {
  /** The pod's annotations ask for break-glass. */
  readonly requested: boolean;
  /** Break-glass was permitted and overrode failing checks. */
  readonly applied: boolean;
  readonly ticket: string | null;
  /** Why it did not apply when requested: not permitted here, or facing a failure it never overrides. */
  readonly refusal: string | null;
}

/** The decision is data (STYLE 3): what was answered and why. */
export interface Decision {
  /** The answer sent to the API server. */
  readonly allowed: boolean;
  readonly mode: Mode;
  readonly namespace: string;
  readonly images: readonly ImageVerdict[];
  readonly breakGlass: BreakGlassOutcome;
  /** The human sentence sent as `status.reason`. */
  readonly reason: string;
  /** Reasons that would have denied the pod but were overridden (dry-run or break-glass), for the audit annotation. */
  readonly overridden: string | null;
  readonly policyHash: string;
}

/** The policy file (SPEC §5), after validation and defaults. */
export interface Policy {
  /** Allowed registry hosts (`host[:port]`, globs allowed: `*.corp.example`). */
  readonly registries: readonly string[];
  readonly tags: 'require-digest' | 'resolve';
  readonly tagCacheSeconds: number;
  readonly scan: {
    readonly required: boolean;
    readonly maxAgeDays: number;
    /** Per-severity ceilings; an absent severity is unlimited. */
    readonly maxFindings: Readonly<Partial<Record<Severity, number>>>;
    readonly ignoreUnfixed: boolean;
  };
  readonly images: { readonly maxAgeDays: number };
  readonly versionFloors: readonly { readonly repository: string; readonly range: string }[];
  readonly breakGlass: {
    readonly enabled: boolean;
    readonly namespaces: readonly string[];
    readonly requireTicket: boolean;
    readonly requireGrant: boolean;
  };
  readonly defaultMode: Mode;
  readonly namespaces: readonly { readonly match: string; readonly mode: Mode }[];
  readonly signatures: readonly SignatureRule[];
  /** Registry events (SPEC §5): a push by `pushedBy` (glob on the event's operator) into `repository` (glob) approves. */
  readonly autoApprove: readonly AutoApproveRule[];
}

/** One `autoApprove` entry: repositories where a push by that account is itself the approval. */
export interface AutoApproveRule {
  readonly repository: string;
  readonly pushedBy: string;
}

export const TRANSPARENCY_LOG_MODES = ['skip', 'require'] as const;
export type TransparencyLogMode = (typeof TRANSPARENCY_LOG_MODES)[number];

/** A keyless signer: the OIDC issuer (exact) and the certificate subject (glob) of a Fulcio certificate. */
export interface KeylessIdentity {
  readonly issuer: string;
  readonly subject: string;
}

/** One `signatures` entry (SPEC §5): who must have signed the digests of matching repositories. */
export interface SignatureRule {
  /** Glob on the normalised repository; the first matching entry applies. */
  readonly repository: string;
  /** PEM public key files (read and checked when the policy is loaded). */
  readonly keys: readonly string[];
  readonly keyless: readonly KeylessIdentity[];
  /** Sigstore trusted root file (Fulcio CAs, Rekor keys): required for keyless and for `transparencyLog: require`. */
  readonly trustedRoot: string | null;
  /** Distinct trusted keys/identities that must have signed. */
  readonly threshold: number;
  readonly transparencyLog: TransparencyLogMode;
  /** A valid signature approves the digest without `approve`. */
  readonly approves: boolean;
}

/** A validated policy, compiled once (matchers built) and identified by the hash of its canonical form. */
export interface CompiledPolicy {
  readonly policy: Policy;
  /** sha256 hex of the canonical JSON of `policy`. */
  readonly hash: string;
  /** Where it came from: a file path or `built-in default`. */
  readonly source: string;
  /** Matchers built once from `policy` so that nothing is compiled per request (STYLE: compile once). */
  readonly matchers: PolicyMatchers;
  /** The verification material of each `signatures` entry (same index), read from its files when the policy loaded. */
  readonly signatureTrust: readonly SignatureTrust[];
}

/** A trusted public key of a `signatures` entry. */
export interface TrustedKey {
  /** The key file as the policy names it: how evidence names the signer. */
  readonly file: string;
  readonly key: KeyObject;
  /** sha256 hex of the key's DER SubjectPublicKeyInfo: part of the policy hash, so a changed key is a changed policy. */
  readonly fingerprint: string;
}

/** What verifying one `signatures` entry needs, loaded at the edge (the core reads no files). */
export interface SignatureTrust {
  readonly keys: readonly TrustedKey[];
  /** The Sigstore trusted root (Fulcio CAs, Rekor and CT log keys), when the entry names one. */
  readonly trustedRoot: TrustMaterial | null;
  /** sha256 hex of the trusted root file, for the policy hash. */
  readonly trustedRootHash: string | null;
}

export interface CompiledVersionFloor {
  readonly repository: string;
  readonly range: string;
  readonly matchesRepository: (repository: string) => boolean;
  /** Whether a semver version (already parsed, without a leading `v`) satisfies the range. */
  readonly satisfiedBy: (version: string) => boolean;
}

export interface PolicyMatchers {
  /** Whether a registry host (`host[:port]`, lowercase as parseImageRef gives it) is in `registries`. */
  readonly registryAllowed: (host: string) => boolean;
  /** The mode of a namespace: first matching `namespaces` entry, else `defaultMode`. */
  readonly namespaceMode: (namespace: string) => Mode;
  /** Whether a namespace matches `breakGlass.namespaces`. */
  readonly breakGlassNamespace: (namespace: string) => boolean;
  readonly versionFloors: readonly CompiledVersionFloor[];
  /** The first `signatures` entry whose repository glob matches, with its index in the list; null when none. */
  readonly signatureRule: (repository: string) => { readonly index: number; readonly rule: SignatureRule } | null;
  /** The first `autoApprove` entry matching a push of `repository` by `pushedBy`; null when none. */
  readonly autoApprover: (repository: string, pushedBy: string) => AutoApproveRule | null;
}
