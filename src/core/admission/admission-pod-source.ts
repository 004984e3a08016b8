import { type Read, bad, isObject, podSpecImages } from './pod-spec-images';

// What an admitted object says about the pods it makes: their images and the annotations that may ask for
// break-glass. A Pod is judged itself; a workload by its pod template (SPEC §2), so that a deny reaches
// `kubectl apply` instead of hiding in a ReplicaSet's FailedCreate event.

/** The API group and kind of the object, as `request.kind` names them (`{group: "apps", kind: "Deployment"}`). */
export interface ObjectKind {
  readonly group: string;
  readonly kind: string;
}

export interface PodSource {
  readonly images: readonly string[];
  /** Null-prototype map of the annotations that concern image policy (keys containing `.image-policy.k8s.io/`). */
  readonly annotations: Readonly<Record<string, string>>;
}

/** Where each kind keeps its pod template (k8s.io/api apps/v1, batch/v1, core/v1). */
const TEMPLATE_PATHS: ReadonlyMap<string, readonly string[]> = new Map([
  ['/Pod', []],
  ['/ReplicationController', ['spec', 'template']],
  ['apps/Deployment', ['spec', 'template']],
  ['apps/ReplicaSet', ['spec', 'template']],
  ['apps/StatefulSet', ['spec', 'template']],
  ['apps/DaemonSet', ['spec', 'template']],
  ['batch/Job', ['spec', 'template']],
  ['batch/CronJob', ['spec', 'jobTemplate', 'spec', 'template']],
]);

/** The kinds `/validate` reviews, as `group/Kind` (core kinds with an empty group). */
export const REVIEWED_KINDS: readonly string[] = [...TEMPLATE_PATHS.keys()];

/**
 * The same filter as the API server's ImagePolicyWebhook (plugin/pkg/admission/imagepolicy/admission.go keeps
 * annotation keys that contain ".image-policy.k8s.io/"), so both endpoints read break-glass from the same keys.
 */
const POLICY_ANNOTATION = '.image-policy.k8s.io/';

export function podSource(kind: ObjectKind, object: unknown): Read<PodSource> {
  const templatePath = TEMPLATE_PATHS.get(`${kind.group}/${kind.kind}`);
  if (templatePath === undefined) {
    const name = kind.group === '' ? kind.kind : `${kind.kind}.${kind.group}`;
    return bad(`image-reviewer does not review ${name} objects (only Pods and the pod templates of workloads)`);
  }
  if (!isObject(object)) return bad('request.object must be an object');
  const annotations: Record<string, string> = Object.create(null) as Record<string, string>;
  // A workload's own annotations first, its template's after: the template's are what its pods will carry.
  const own = copyPolicyAnnotations(object.metadata, 'metadata', annotations);
  if (!own.ok) return own;
  if (templatePath.length === 0) {
    const images = podSpecImages(object.spec, 'spec');
    return images.ok ? { ok: true, value: { images: images.value, annotations } } : images;
  }
  let template: unknown = object;
  for (const key of templatePath) template = isObject(template) ? template[key] : undefined;
  const path = templatePath.join('.');
  // ReplicationController's template is optional; a workload without one makes no pods.
  if (template === undefined || template === null) return { ok: true, value: { images: [], annotations } };
  if (!isObject(template)) return bad(`${path} must be an object`);
  const fromTemplate = copyPolicyAnnotations(template.metadata, `${path}.metadata`, annotations);
  if (!fromTemplate.ok) return fromTemplate;
  const images = podSpecImages(template.spec, `${path}.spec`);
  return images.ok ? { ok: true, value: { images: images.value, annotations } } : images;
}

function copyPolicyAnnotations(metadata: unknown, path: string, into: Record<string, string>): Read<null> {
  if (metadata === undefined || metadata === null) return { ok: true, value: null };
  if (!isObject(metadata)) return bad(`${path} must be an object`);
  const raw = metadata.annotations;
  if (raw === undefined || raw === null) return { ok: true, value: null };
  if (!isObject(raw)) return bad(`${path}.annotations must be an object of strings`);
  for (const [key, value] of Object.entries(raw)) {
    if (!key.includes(POLICY_ANNOTATION)) continue;
    if (typeof value !== 'string') return bad(`${path}.annotations[${JSON.stringify(key)}] must be a string`);
    into[key] = value;
  }
  return { ok: true, value: null };
}
