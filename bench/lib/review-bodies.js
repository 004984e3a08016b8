'use strict';
// The ImageReviews the bench sends, and the images the bench store approves and scans for them.
const crypto = require('node:crypto');

const REGISTRY = 'registry.corp.example';

/** A stable sha256 digest per name, so the seeded store and the bench bodies agree across runs. */
function digestOf(name) {
  return `sha256:${crypto.createHash('sha256').update(name).digest('hex')}`;
}

/** Images approved and scanned in every bench store: 1 for the single-container review, 10 for the pod. */
const APPROVED_IMAGES = Array.from({ length: 10 }, (_, i) => {
  const repository = `${REGISTRY}/bench/service-${i}`;
  return `${repository}@${digestOf(`bench-approved-${i}`)}`;
});

/** Allowed registry, never approved nor scanned: denied with not-approved and scan-missing. */
const DENIED_IMAGE = `${REGISTRY}/bench/unvetted@${digestOf('bench-denied')}`;

function imageReview(images, namespace) {
  return JSON.stringify({
    apiVersion: 'imagepolicy.k8s.io/v1alpha1',
    kind: 'ImageReview',
    metadata: { creationTimestamp: null },
    spec: {
      containers: images.map((image) => ({ image })),
      annotations: { 'team.image-policy.k8s.io/owner': 'bench' },
      namespace,
    },
    status: { allowed: false },
  });
}

/**
 * A Pod CREATE as kube-apiserver sends it to `/validate` (test/fixtures/admissionreview/README.md): a controller-made
 * pod (no name yet), one container, the defaulted fields the API server serializes, oldObject null.
 */
function admissionReview(images, namespace) {
  const container = (image, i) => ({
    name: `c${i}`,
    image,
    resources: {},
    terminationMessagePath: '/dev/termination-log',
    terminationMessagePolicy: 'File',
    imagePullPolicy: 'IfNotPresent',
  });
  return JSON.stringify({
    kind: 'AdmissionReview',
    apiVersion: 'admission.k8s.io/v1',
    request: {
      uid: '705ab4f5-6393-11e8-b7cc-42010a800002',
      kind: { group: '', version: 'v1', kind: 'Pod' },
      resource: { group: '', version: 'v1', resource: 'pods' },
      requestKind: { group: '', version: 'v1', kind: 'Pod' },
      requestResource: { group: '', version: 'v1', resource: 'pods' },
      name: '',
      namespace,
      operation: 'CREATE',
      userInfo: {
        username: 'system:serviceaccount:kube-system:replicaset-controller',
        uid: '5e7c0f43-6d5a-4a4e-9f3b-0c1d2e3f4a5b',
        groups: ['system:serviceaccounts', 'system:serviceaccounts:kube-system', 'system:authenticated'],
      },
      object: {
        kind: 'Pod',
        apiVersion: 'v1',
        metadata: {
          generateName: 'bench-7d9c5b8f4-',
          namespace,
          creationTimestamp: null,
          labels: { app: 'bench', 'pod-template-hash': '7d9c5b8f4' },
          annotations: { 'team.image-policy.k8s.io/owner': 'bench' },
        },
        spec: {
          volumes: [{ name: 'kube-api-access-x7k2p', projected: { sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }], defaultMode: 420 } }],
          containers: images.map(container),
          restartPolicy: 'Always',
          terminationGracePeriodSeconds: 30,
          dnsPolicy: 'ClusterFirst',
          serviceAccountName: 'default',
          securityContext: {},
          schedulerName: 'default-scheduler',
        },
        status: {},
      },
      oldObject: null,
      dryRun: false,
      options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' },
    },
  });
}

/** The request bodies of SPEC §11 plus what each must answer, and where (default /imagereview). */
const SCENARIOS = {
  single: { body: imageReview(APPROVED_IMAGES.slice(0, 1), 'prod-bench'), allowed: true },
  pod10: { body: imageReview(APPROVED_IMAGES, 'prod-bench'), allowed: true },
  denied: { body: imageReview([DENIED_IMAGE], 'prod-bench'), allowed: false },
  validate: { body: admissionReview(APPROVED_IMAGES.slice(0, 1), 'prod-bench'), allowed: true, path: '/validate' },
};

/** A clean Trivy report (schema 2) dated now, naming `images` (every approved bench image by default). */
function cleanTrivyReport(now = Date.now(), images = APPROVED_IMAGES) {
  return JSON.stringify({
    SchemaVersion: 2,
    CreatedAt: new Date(now).toISOString(),
    ArtifactName: `${REGISTRY}/bench/service`,
    ArtifactType: 'container_image',
    Metadata: { RepoDigests: images },
    Results: [],
  });
}

module.exports = { REGISTRY, APPROVED_IMAGES, DENIED_IMAGE, SCENARIOS, digestOf, imageReview, admissionReview, cleanTrivyReport };
