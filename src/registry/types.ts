import type { ImageRef } from '../core/types';
import type { FoundSignatures } from './fetch-signature-artifacts';

/** What the registry says about one reference (SPEC §8). */
export interface ResolvedImage {
  /** Normalised repository (`docker.io/library/nginx`). */
  readonly repository: string;
  /** The manifest (or index) digest the registry serves for the reference, verified against the body when fetched. */
  readonly digest: string;
  /** The tag that was resolved, or null for a digest reference. */
  readonly tag: string | null;
  readonly mediaType: string;
  /** For an OCI index / Docker manifest list: the platforms it covers (`linux/amd64`); empty for a single manifest. */
  readonly platforms: readonly string[];
  /** Image build time (`created` of the image config), epoch ms; for an index the oldest of its platforms; null when unknown. */
  readonly createdAt: number | null;
}

export interface ResolveOptions {
  readonly signal?: AbortSignal;
  /**
   * Only the digest is needed (tag resolution on the review path): one HEAD request when the registry sends
   * `Docker-Content-Digest`; `platforms` is then empty and `createdAt` null, whatever the image holds.
   */
  readonly digestOnly?: boolean;
}

/** Looks references up in their registries. Implemented in src/registry/ (undici); passed in to commands and the review service. */
export interface RegistryLookup {
  /** Resolves a tag to its digest, or checks that a digest exists in that repository. Rejects with RegistryError. */
  resolve(ref: ImageRef, options?: ResolveOptions): Promise<ResolvedImage>;
}

/** Finds the signature artifacts of a digest (SPEC §8): cosign `.sig` tags and OCI 1.1 referrer bundles. */
export interface SignatureLookup {
  /**
   * Everything found for `ref.repository` + `digest`, with what could not be used as problems. Rejects (RegistryError)
   * only when the signal aborts or the deadline passes: an unusable artifact is a problem, not an error.
   */
  signatures(ref: ImageRef, digest: string, options?: { readonly signal?: AbortSignal }): Promise<FoundSignatures>;
}
