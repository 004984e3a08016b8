import type { ReviewRequest } from '../types';
import { type ObjectKind, podSource } from './admission-pod-source';

// An AdmissionRequest (k8s.io/api admission/v1 types.go) turned into the ReviewRequest that `/imagereview` builds
// from an ImageReview, so both endpoints are judged by the same service and the same decide() (SPEC §2).

export interface AdmissionInput {
  /** `request.kind`: the kind of the object as sent (`request.kind` is what the webhook was called with). */
  readonly kind: ObjectKind;
  /** CREATE, UPDATE, DELETE or CONNECT. */
  readonly operation: string;
  /** `request.namespace`; the API server sets it for every namespaced object, even before the pod has a name. */
  readonly namespace: string;
  readonly object: unknown;
  /** Present on UPDATE (and DELETE); null or absent otherwise. */
  readonly oldObject: unknown;
  /** `request.userInfo.username`: who asked, which an ImageReview never says. */
  readonly user: string | null;
  readonly groups: readonly string[];
}

export type AdmissionReading =
  | { readonly kind: 'review'; readonly request: ReviewRequest }
  /** Nothing to judge: the operation runs no image (DELETE, CONNECT). */
  | { readonly kind: 'not-reviewed'; readonly why: string }
  /** The object cannot be read as the kind it claims: denied, since nothing about its images is known. */
  | { readonly kind: 'unreadable'; readonly problem: string };

export function admissionReviewRequest(input: AdmissionInput): AdmissionReading {
  if (input.operation !== 'CREATE' && input.operation !== 'UPDATE') {
    return { kind: 'not-reviewed', why: `${input.operation || 'an empty'} operation runs no image` };
  }
  const current = podSource(input.kind, input.object);
  if (!current.ok) return { kind: 'unreadable', problem: current.problem };
  const base = { namespace: input.namespace, annotations: current.value.annotations, user: input.user, groups: input.groups };
  if (input.operation === 'CREATE' || input.oldObject === undefined || input.oldObject === null) {
    return { kind: 'review', request: { ...base, images: current.value.images, unchanged: [] } };
  }
  const previous = podSource(input.kind, input.oldObject);
  if (!previous.ok) return { kind: 'unreadable', problem: previous.problem.replace(/^request\.object/, 'request.oldObject') };
  // On UPDATE only images that the old object did not run are judged: a label edit, a scale-down or a finalizer
  // removal of a running pod must not be re-judged under today's policy (a revoked digest would otherwise block
  // its own pods' clean-up). `kubectl debug` sends the whole Pod with the new ephemeral container appended, so
  // only that container's image is new. The others are recorded as unchanged, unjudged.
  const before = new Set(previous.value.images);
  const images = current.value.images.filter((image) => !before.has(image));
  const unchanged = current.value.images.filter((image) => before.has(image));
  return { kind: 'review', request: { ...base, images, unchanged } };
}
