import type { ReviewRequest } from '../core/types';

export const IMAGE_REVIEW_API_VERSION = 'imagepolicy.k8s.io/v1alpha1';
export const IMAGE_REVIEW_KIND = 'ImageReview';

export type ParsedImageReview =
  | { readonly ok: true; readonly request: ReviewRequest }
  | { readonly ok: false; readonly problem: string; readonly reason: InvalidReviewReason };

/** Label values for `image_reviewer_invalid_requests_total{reason}`. */
export type InvalidReviewReason = 'not-object' | 'api-version' | 'kind' | 'wrong-type';

/**
 * Validates a parsed JSON body as the API server's ImageReview (SPEC §2). What the API server really sends is accepted:
 * `metadata` `{}` or `{"creationTimestamp":null}`, `status: {allowed:false}` (ignored: it means nothing), absent
 * `containers`, `annotations` or `namespace`. Anything structurally wrong is a problem for a 400, never a decision.
 * Content that is only odd (an empty or unparseable image string) and sizes a pod author controls (many containers,
 * long image strings) are left to the decision, which denies them (SPEC §2: a 200 deny, never a 400).
 */
export function parseImageReview(body: unknown): ParsedImageReview {
  // `null` is valid JSON, just not an ImageReview.
  if (!isObject(body)) return bad(`body is not an ImageReview: a JSON object is expected, got ${describe(body)}`, 'not-object');
  if (body.apiVersion !== IMAGE_REVIEW_API_VERSION) {
    return bad(`apiVersion must be "${IMAGE_REVIEW_API_VERSION}", got ${describe(body.apiVersion)}`, 'api-version');
  }
  if (body.kind !== IMAGE_REVIEW_KIND) return bad(`kind must be "${IMAGE_REVIEW_KIND}", got ${describe(body.kind)}`, 'kind');
  if (body.metadata !== undefined && body.metadata !== null && !isObject(body.metadata)) {
    return bad('metadata must be an object', 'wrong-type');
  }
  const spec = body.spec;
  if (!isObject(spec)) return bad('spec must be an object', 'wrong-type');

  const images = parseContainers(spec.containers);
  if (!images.ok) return images;
  const annotations = parseAnnotations(spec.annotations);
  if (!annotations.ok) return annotations;
  const namespace = spec.namespace;
  if (namespace !== undefined && namespace !== null && typeof namespace !== 'string') {
    return bad('spec.namespace must be a string', 'wrong-type');
  }
  return {
    ok: true,
    request: { namespace: namespace ?? '', images: images.value, annotations: annotations.value, user: null },
  };
}

type Part<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string; readonly reason: InvalidReviewReason };

function parseContainers(raw: unknown): Part<readonly string[]> {
  if (raw === undefined || raw === null) return { ok: true, value: [] };
  if (!Array.isArray(raw)) return bad('spec.containers must be an array', 'wrong-type');
  const images: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    const container: unknown = raw[i];
    if (!isObject(container)) return bad(`spec.containers[${i}] must be an object`, 'wrong-type');
    // `image` is omitempty in ImageReviewContainerSpec: absent means "", which the decision denies as invalid.
    const image = container.image ?? '';
    if (typeof image !== 'string') return bad(`spec.containers[${i}].image must be a string`, 'wrong-type');
    images.push(image);
  }
  return { ok: true, value: images };
}

function parseAnnotations(raw: unknown): Part<Readonly<Record<string, string>>> {
  // A null-prototype map: keys such as `__proto__` from the wire stay plain keys.
  const annotations: Record<string, string> = Object.create(null) as Record<string, string>;
  if (raw === undefined || raw === null) return { ok: true, value: annotations };
  if (!isObject(raw)) return bad('spec.annotations must be an object of strings', 'wrong-type');
  for (const [key, value] of Object.entries(raw)) {
    if (typeof value !== 'string') return bad(`spec.annotations[${JSON.stringify(key)}] must be a string`, 'wrong-type');
    annotations[key] = value;
  }
  return { ok: true, value: annotations };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Names a wrong value without walking it: a 5,000-deep array must not overflow the stack on its way to a 400. */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object' && value !== null) return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

function bad(problem: string, reason: InvalidReviewReason): { ok: false; problem: string; reason: InvalidReviewReason } {
  return { ok: false, problem, reason };
}
