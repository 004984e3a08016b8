import type { AdmissionInput } from '../core/admission/admission-review-request';
import { isObject } from '../core/admission/pod-spec-images';

// The AdmissionReview envelope (k8s.io/api admission/v1 and v1beta1 types.go) as the API server builds it
// (k8s.io/apiserver pkg/admission/plugin/webhook/request/admissionreview.go, CreateV1AdmissionReview): `request.uid`
// always set, `kind`/`resource` GVK and GVR, `namespace`, `operation`, `userInfo` {username, uid, groups, extra},
// `object`, `oldObject`, `dryRun` (a pointer, always set by the API server, absent from hand-made reviews).

export const ADMISSION_API_VERSIONS = ['admission.k8s.io/v1', 'admission.k8s.io/v1beta1'] as const;
export type AdmissionApiVersion = (typeof ADMISSION_API_VERSIONS)[number];
export const ADMISSION_REVIEW_KIND = 'AdmissionReview';

export interface AdmissionEnvelope {
  /** Echoed in the answer: the API server decodes the answer as the version it sent. */
  readonly apiVersion: AdmissionApiVersion;
  /** Echoed as `response.uid`: VerifyAdmissionResponse refuses an answer whose uid differs. */
  readonly uid: string;
  readonly dryRun: boolean;
  /** What the request asks, or the problem that keeps it from being read (answered as a deny). */
  readonly input: { readonly ok: true; readonly value: AdmissionInput } | { readonly ok: false; readonly problem: string };
}

export type ParsedAdmissionReview =
  | { readonly ok: true; readonly review: AdmissionEnvelope }
  | { readonly ok: false; readonly problem: string; readonly reason: 'not-object' | 'api-version' | 'kind' | 'no-request' };

/**
 * Only what no API server sends is refused (a 400: SPEC §2): a body that is not an AdmissionReview, or one without
 * `request.uid`, to which no answer can be formed. Once the uid is known, anything else wrong is answered as a deny
 * (`input.ok: false`), so that a malformed request never reaches the webhook's `failurePolicy`.
 */
export function parseAdmissionReview(body: unknown): ParsedAdmissionReview {
  if (!isObject(body)) return { ok: false, problem: 'body must be a JSON object (an AdmissionReview)', reason: 'not-object' };
  const apiVersion = ADMISSION_API_VERSIONS.find((v) => v === body.apiVersion);
  if (apiVersion === undefined) {
    const got = describe(body.apiVersion);
    return { ok: false, problem: `apiVersion must be admission.k8s.io/v1 or admission.k8s.io/v1beta1, got ${got}`, reason: 'api-version' };
  }
  if (body.kind !== ADMISSION_REVIEW_KIND) {
    return { ok: false, problem: `kind must be "${ADMISSION_REVIEW_KIND}", got ${describe(body.kind)}`, reason: 'kind' };
  }
  const request = body.request;
  if (!isObject(request)) return { ok: false, problem: 'request must be an object', reason: 'no-request' };
  if (typeof request.uid !== 'string' || request.uid === '') {
    return { ok: false, problem: 'request.uid must be a non-empty string', reason: 'no-request' };
  }
  const dryRun = request.dryRun === true;
  return { ok: true, review: { apiVersion, uid: request.uid, dryRun, input: readInput(request) } };
}

function readInput(request: Record<string, unknown>): AdmissionEnvelope['input'] {
  const kind = request.kind;
  if (!isObject(kind) || typeof kind.kind !== 'string' || typeof (kind.group ?? '') !== 'string') {
    return { ok: false, problem: 'request.kind must be a group/version/kind object' };
  }
  if (typeof request.operation !== 'string') return { ok: false, problem: 'request.operation must be a string' };
  const namespace = request.namespace ?? '';
  if (typeof namespace !== 'string') return { ok: false, problem: 'request.namespace must be a string' };
  const userInfo = request.userInfo ?? {};
  if (!isObject(userInfo)) return { ok: false, problem: 'request.userInfo must be an object' };
  const username = userInfo.username ?? null;
  if (username !== null && typeof username !== 'string') return { ok: false, problem: 'request.userInfo.username must be a string' };
  const groups = userInfo.groups ?? [];
  if (!Array.isArray(groups) || !groups.every((g): g is string => typeof g === 'string')) {
    return { ok: false, problem: 'request.userInfo.groups must be an array of strings' };
  }
  return {
    ok: true,
    value: {
      kind: { group: typeof kind.group === 'string' ? kind.group : '', kind: kind.kind },
      operation: request.operation,
      namespace,
      object: request.object,
      oldObject: request.oldObject,
      user: username,
      groups,
    },
  };
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
