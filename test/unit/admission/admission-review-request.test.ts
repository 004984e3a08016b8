import { admissionReviewRequest, type AdmissionInput } from '../../../src/core/admission/admission-review-request';
import { listedObjects } from '../../../src/core/admission/listed-objects';
import { podSource } from '../../../src/core/admission/admission-pod-source';

// The pure step of `/validate` and `recheck --pods`: an admitted object becomes the ReviewRequest an ImageReview
// would have made (images, namespace, break-glass annotations, user), judged afterwards by the same decide().

const spec = (images: Record<string, unknown>) => images;
const pod = (podSpec: Record<string, unknown>, annotations?: Record<string, unknown>) => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace: 'payments', ...(annotations === undefined ? {} : { annotations }) },
  spec: podSpec,
});
const template = (podSpec: Record<string, unknown>, annotations?: Record<string, unknown>) => ({
  metadata: annotations === undefined ? {} : { annotations },
  spec: podSpec,
});

function input(overrides: Partial<AdmissionInput>): AdmissionInput {
  return {
    kind: { group: '', kind: 'Pod' },
    operation: 'CREATE',
    namespace: 'payments',
    object: pod({ containers: [{ name: 'a', image: 'a:1' }] }),
    oldObject: null,
    user: 'alice',
    groups: ['dev'],
    ...overrides,
  };
}

describe('podSource', () => {
  it('lists containers, then init containers (sidecars included), then ephemeral containers, then image volumes', () => {
    const source = podSource({ group: '', kind: 'Pod' }, pod(spec({
      volumes: [{ name: 'models', image: { reference: 'models:v2', pullPolicy: 'IfNotPresent' } }, { name: 'tmp', emptyDir: {} }],
      ephemeralContainers: [{ name: 'debug', image: 'busybox:1' }],
      initContainers: [{ name: 'migrate', image: 'migrate:1' }, { name: 'log', image: 'fluent-bit:3', restartPolicy: 'Always' }],
      containers: [{ name: 'api', image: 'api:1' }, { name: 'noimage' }],
    })));
    expect(source).toEqual({
      ok: true,
      value: { images: ['api:1', '', 'migrate:1', 'fluent-bit:3', 'busybox:1', 'models:v2'], annotations: {} },
    });
  });

  it.each([
    [{ group: 'apps', kind: 'Deployment' }, { spec: { template: template({ containers: [{ image: 'd:1' }] }) } }, ['d:1']],
    [{ group: 'apps', kind: 'ReplicaSet' }, { spec: { template: template({ containers: [{ image: 'r:1' }] }) } }, ['r:1']],
    [{ group: 'apps', kind: 'StatefulSet' }, { spec: { template: template({ containers: [{ image: 's:1' }] }) } }, ['s:1']],
    [{ group: 'apps', kind: 'DaemonSet' }, { spec: { template: template({ initContainers: [{ image: 'i:1' }] }) } }, ['i:1']],
    [{ group: 'batch', kind: 'Job' }, { spec: { template: template({ containers: [{ image: 'j:1' }] }) } }, ['j:1']],
    [{ group: 'batch', kind: 'CronJob' }, { spec: { jobTemplate: { spec: { template: template({ containers: [{ image: 'c:1' }] }) } } } }, ['c:1']],
    [{ group: '', kind: 'ReplicationController' }, { spec: { template: template({ containers: [{ image: 'rc:1' }] }) } }, ['rc:1']],
    [{ group: '', kind: 'ReplicationController' }, { spec: {} }, []],
  ])('reads the pod template of %j', (kind, object, images) => {
    const source = podSource(kind, object);
    expect(source.ok && source.value.images).toEqual(images);
  });

  it("keeps only image-policy annotations, the workload's own then its template's (the template wins)", () => {
    const source = podSource({ group: 'apps', kind: 'Deployment' }, {
      metadata: { annotations: { 'a.image-policy.k8s.io/ticket': 'OWN', 'kubectl.kubernetes.io/last-applied-configuration': '{}' } },
      spec: {
        template: template({ containers: [] }, {
          'a.image-policy.k8s.io/ticket': 'TEMPLATE',
          'alpha.image-policy.k8s.io/break-glass': 'true',
          'prometheus.io/scrape': 'true',
        }),
      },
    });
    expect(source.ok && { ...source.value.annotations }).toEqual({
      'a.image-policy.k8s.io/ticket': 'TEMPLATE',
      'alpha.image-policy.k8s.io/break-glass': 'true',
    });
  });

  it.each([
    [pod(spec({ containers: 'nginx' })), 'spec.containers must be an array'],
    [pod(spec({ containers: [{ image: 7 }] })), 'spec.containers[0].image must be a string'],
    [pod(spec({ volumes: [{ image: { reference: ['x'] } }] })), 'spec.volumes[0].image.reference must be a string'],
    [pod(spec({}), { 'a.image-policy.k8s.io/break-glass': true }), 'metadata.annotations["a.image-policy.k8s.io/break-glass"] must be a string'],
    ['a string', 'request.object must be an object'],
  ])('refuses an object it cannot read: %j', (object, problem) => {
    expect(podSource({ group: '', kind: 'Pod' }, object)).toEqual({ ok: false, problem });
  });

  it('names a kind it does not review', () => {
    expect(podSource({ group: 'argoproj.io', kind: 'Rollout' }, {})).toEqual({
      ok: false,
      problem: 'image-reviewer does not review Rollout.argoproj.io objects (only Pods and the pod templates of workloads)',
    });
  });
});

describe('admissionReviewRequest', () => {
  it('makes a CREATE into the request an ImageReview would, with who asked', () => {
    expect(admissionReviewRequest(input({}))).toEqual({
      kind: 'review',
      request: { namespace: 'payments', images: ['a:1'], unchanged: [], annotations: {}, user: 'alice', groups: ['dev'] },
    });
  });

  it('judges only the images an UPDATE adds; the others are unchanged', () => {
    const before = pod({ containers: [{ image: 'a:1' }, { image: 'b:1' }] });
    const after = pod({ containers: [{ image: 'a:1' }, { image: 'b:2' }], ephemeralContainers: [{ image: 'debug:1' }] });
    const reading = admissionReviewRequest(input({ operation: 'UPDATE', object: after, oldObject: before }));
    expect(reading).toMatchObject({ kind: 'review', request: { images: ['b:2', 'debug:1'], unchanged: ['a:1'] } });
  });

  it('does not judge DELETE or CONNECT', () => {
    expect(admissionReviewRequest(input({ operation: 'DELETE', object: null }))).toEqual({ kind: 'not-reviewed', why: 'DELETE operation runs no image' });
  });

  it('names the old object when it is the one that cannot be read', () => {
    const reading = admissionReviewRequest(input({ operation: 'UPDATE', oldObject: 'x' }));
    expect(reading).toEqual({ kind: 'unreadable', problem: 'request.oldObject must be an object' });
  });
});

describe('listedObjects (recheck --pods)', () => {
  it('reads a List of pods and workloads and skips finished pods', () => {
    const list = {
      apiVersion: 'v1',
      kind: 'List',
      items: [
        { ...pod({ containers: [{ image: 'a:1' }] }), metadata: { name: 'p1', namespace: 'ns1' }, status: { phase: 'Running' } },
        { ...pod({ containers: [{ image: 'b:1' }] }), metadata: { name: 'done', namespace: 'ns1' }, status: { phase: 'Succeeded' } },
        { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'ns2' }, spec: { template: template({ containers: [{ image: 'c:1' }] }) } },
      ],
    };
    const listed = listedObjects(list);
    expect(listed.ok && listed.value.map((o) => [o.kind, o.namespace, o.name, o.request.images])).toEqual([
      ['Pod', 'ns1', 'p1', ['a:1']],
      ['Deployment', 'ns2', 'd', ['c:1']],
    ]);
  });

  it('names the item it cannot read', () => {
    expect(listedObjects({ kind: 'List', items: [{ apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'n' } }] })).toEqual({
      ok: false,
      problem: 'items[0] (Service n/s): image-reviewer does not review Service objects (only Pods and the pod templates of workloads)',
    });
  });
});
