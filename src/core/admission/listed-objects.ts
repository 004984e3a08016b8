import type { ReviewRequest } from '../types';
import { podSource } from './admission-pod-source';
import { type Read, bad, isObject } from './pod-spec-images';

// `recheck --pods FILE` (SPEC §7): the output of `kubectl get pods -A -o json` (a `List` of Pods), or a `List` of
// workloads (`kubectl get deploy,sts,ds,cronjob -A -o json`), read into the same ReviewRequests `/validate` builds.

export interface ListedObject {
  /** `Pod`, `Deployment`, …: what the operator will look for. */
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly request: ReviewRequest;
}

/** Pods in these phases run nothing any more and never restart (k8s.io/api core/v1 PodPhase). */
const FINISHED_PHASES: ReadonlySet<string> = new Set(['Succeeded', 'Failed']);

export function listedObjects(document: unknown): Read<readonly ListedObject[]> {
  if (!isObject(document)) return bad('the file must hold a JSON object (a List, as kubectl get -o json prints)');
  const items = typeof document.kind === 'string' && document.kind.endsWith('List') ? document.items : [document];
  if (!Array.isArray(items)) return bad('items must be an array');
  const objects: ListedObject[] = [];
  for (let i = 0; i < items.length; i++) {
    const item: unknown = items[i];
    const at = `items[${i}]`;
    if (!isObject(item) || typeof item.kind !== 'string' || typeof item.apiVersion !== 'string') {
      return bad(`${at} must be a Kubernetes object with apiVersion and kind`);
    }
    if (item.kind === 'Pod' && isObject(item.status) && FINISHED_PHASES.has(String(item.status.phase))) continue;
    const metadata = isObject(item.metadata) ? item.metadata : {};
    const namespace = typeof metadata.namespace === 'string' ? metadata.namespace : '';
    const name = typeof metadata.name === 'string' ? metadata.name : '';
    // `apps/v1` → group `apps`; the core group's apiVersion is just `v1`.
    const slash = item.apiVersion.indexOf('/');
    const group = slash === -1 ? '' : item.apiVersion.slice(0, slash);
    const source = podSource({ group, kind: item.kind }, item);
    if (!source.ok) return bad(`${at} (${item.kind} ${namespace}/${name}): ${source.problem}`);
    const request = { namespace, images: source.value.images, annotations: source.value.annotations, user: null };
    objects.push({ kind: item.kind, namespace, name, request });
  }
  return { ok: true, value: objects };
}
