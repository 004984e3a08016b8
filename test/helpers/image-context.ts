import { DEFAULT_POLICY, compilePolicy } from '../../src/core/policy';
import type { ActiveException, ImageContext } from '../../src/core/rules/image-context';
import type { ImageFacts, Policy, SignatureVerification, TagResolution } from '../../src/core/types';
import { parsedRef } from './parsed-ref';

export interface ImageContextInput {
  /** Set over DEFAULT_POLICY, key by key. */
  readonly policy?: Partial<Policy>;
  readonly resolution?: TagResolution | null;
  /** The digest judged; by default the reference's own, else the one a successful resolution gave. */
  readonly digest?: string | null;
  /** No approval and no scan by default. */
  readonly facts?: ImageFacts;
  readonly exceptions?: readonly ActiveException[];
  /** Signatures verified at review time; none by default. */
  readonly signature?: SignatureVerification | null;
  readonly now: number;
  /** Build the messages of passed and skipped checks (as explain does); true by default. */
  readonly describe?: boolean;
}

/** What one image's rules see, as `judgeImage` builds it, for a reference a test knows is valid. */
export function imageContext(image: string, input: ImageContextInput): ImageContext {
  const ref = parsedRef(image);
  const resolution = input.resolution ?? null;
  const resolved = resolution?.status === 'resolved' ? resolution.digest : null;
  return {
    ref,
    resolution,
    digest: input.digest === undefined ? (ref.digest ?? resolved) : input.digest,
    facts: input.facts ?? { approval: null, scan: null },
    signature: input.signature ?? null,
    exceptions: input.exceptions ?? [],
    policy: compilePolicy({ ...DEFAULT_POLICY, ...input.policy }, 'test'),
    now: input.now,
    describe: input.describe ?? true,
  };
}
