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

/** The three request bodies of SPEC §11 plus what each must answer. */
const SCENARIOS = {
  single: { body: imageReview(APPROVED_IMAGES.slice(0, 1), 'prod-bench'), allowed: true },
  pod10: { body: imageReview(APPROVED_IMAGES, 'prod-bench'), allowed: true },
  denied: { body: imageReview([DENIED_IMAGE], 'prod-bench'), allowed: false },
};

/** A clean Trivy report (schema 2) dated now, naming every approved bench image. */
function cleanTrivyReport(now = Date.now()) {
  return JSON.stringify({
    SchemaVersion: 2,
    CreatedAt: new Date(now).toISOString(),
    ArtifactName: `${REGISTRY}/bench/service`,
    ArtifactType: 'container_image',
    Metadata: { RepoDigests: APPROVED_IMAGES },
    Results: [],
  });
}

module.exports = { REGISTRY, APPROVED_IMAGES, DENIED_IMAGE, SCENARIOS, digestOf, imageReview, cleanTrivyReport };
