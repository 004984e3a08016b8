/** The `status` of an ImageReview answer, with the decision id from its audit annotations. */
export interface ImageReviewAnswer {
  readonly status: number;
  readonly allowed: boolean;
  readonly reason: string;
  readonly id: string;
}

/**
 * POSTs an ImageReview for `images` in `namespace` as the API server sends it (SPEC §2), with the pod's
 * `*.image-policy.k8s.io/*` annotations when given, and reads the answer.
 */
export async function postImageReview(
  baseUrl: string,
  images: readonly string[],
  namespace: string,
  annotations?: Readonly<Record<string, string>>,
): Promise<ImageReviewAnswer> {
  const response = await fetch(`${baseUrl}/imagereview?timeout=30s`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      apiVersion: 'imagepolicy.k8s.io/v1alpha1',
      kind: 'ImageReview',
      metadata: {},
      spec: { containers: images.map((image) => ({ image })), namespace, ...(annotations === undefined ? {} : { annotations }) },
      status: { allowed: false },
    }),
  });
  const json = (await response.json()) as { status: { allowed: boolean; reason: string; auditAnnotations: Record<string, string> } };
  return { status: response.status, ...json.status, id: json.status.auditAnnotations['decision-id'] ?? '' };
}
