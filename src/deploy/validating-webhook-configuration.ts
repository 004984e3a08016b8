// The ValidatingWebhookConfiguration that registers `/validate` with a cluster whose API server flags cannot be
// changed (managed Kubernetes: SPEC §2, §10). Fields per k8s.io/api admissionregistration/v1 types.go.

/** Shown by kubectl in every deny: `admission webhook "validate.image-reviewer.io" denied the request: …`. */
export const VALIDATING_WEBHOOK_NAME = 'validate.image-reviewer.io';
export const CONFIGURATION_NAME = 'image-reviewer';
/** admissionregistration/v1: timeoutSeconds must be between 1 and 30 (default 10). */
export const TIMEOUT_RANGE = { min: 1, max: 30 } as const;
export const FAILURE_POLICIES = ['Fail', 'Ignore'] as const;
export type FailurePolicy = (typeof FAILURE_POLICIES)[number];

/** How the API server reaches the webhook: a URL, or a Service (routed by the API server itself, as on managed clusters). */
export type WebhookTarget =
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'service'; readonly namespace: string; readonly name: string; readonly port: number; readonly path: string };

export interface ValidatingWebhookSettings {
  readonly target: WebhookTarget;
  readonly caPem: string;
  readonly failurePolicy: FailurePolicy;
  readonly timeoutSeconds: number;
  /** Namespaces the webhook is never called for: the reviewer's own, so it can always restart (README, Deploying). */
  readonly exemptNamespaces: readonly string[];
}

/**
 * What `/validate` reviews (SPEC §2): Pods on CREATE and UPDATE, `kubectl debug`'s `pods/ephemeralcontainers`
 * UPDATE, and the workloads whose pod template it judges. matchPolicy Equivalent (the v1 default) converts requests
 * made through other versions of these kinds, so `request.kind` is always the version listed here.
 */
const RULES = [
  { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['pods', 'replicationcontrollers'], scope: 'Namespaced' },
  { apiGroups: [''], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['pods/ephemeralcontainers'], scope: 'Namespaced' },
  {
    apiGroups: ['apps'],
    apiVersions: ['v1'],
    operations: ['CREATE', 'UPDATE'],
    resources: ['deployments', 'replicasets', 'statefulsets', 'daemonsets'],
    scope: 'Namespaced',
  },
  { apiGroups: ['batch'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['jobs', 'cronjobs'], scope: 'Namespaced' },
] as const;

export function buildValidatingWebhookConfiguration(settings: ValidatingWebhookSettings) {
  const caBundle = Buffer.from(settings.caPem, 'utf8').toString('base64');
  const { target } = settings;
  const clientConfig =
    target.kind === 'url'
      ? { url: target.url, caBundle }
      : { service: { namespace: target.namespace, name: target.name, path: target.path, port: target.port }, caBundle };
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: CONFIGURATION_NAME, labels: { 'app.kubernetes.io/name': 'image-reviewer' } },
    webhooks: [
      {
        name: VALIDATING_WEBHOOK_NAME,
        admissionReviewVersions: ['v1'],
        clientConfig,
        rules: RULES,
        matchPolicy: 'Equivalent',
        failurePolicy: settings.failurePolicy,
        // Dry-run requests are answered but never recorded (SPEC §2), so the API server may send them.
        sideEffects: 'NoneOnDryRun',
        timeoutSeconds: settings.timeoutSeconds,
        namespaceSelector: {
          matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: settings.exemptNamespaces }],
        },
      },
    ],
  };
}
