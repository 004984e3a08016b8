// The file named by kube-apiserver's --admission-control-config-file, with the ImagePolicyWebhook settings
// (Kubernetes docs, "Admission Controllers Reference" → ImagePolicyWebhook → Configuration file format).

export interface ImagePolicySettings {
  /** Absolute path, on the control-plane host, of the kubeconfig that says how to reach image-reviewer. */
  readonly kubeConfigFile: string;
  /** Seconds an allow is cached (1–1800, or -1 to disable the cache). */
  readonly allowTTL: number;
  /** Seconds a deny is cached (1–1800, or -1 to disable the cache). */
  readonly denyTTL: number;
  /** Milliseconds between retries of a failed call (1–300000). */
  readonly retryBackoff: number;
  /** What the API server does when the webhook cannot be reached: true = fail open, false = fail closed. */
  readonly defaultAllow: boolean;
}

export interface AdmissionConfiguration {
  readonly apiVersion: 'apiserver.config.k8s.io/v1';
  readonly kind: 'AdmissionConfiguration';
  readonly plugins: readonly [
    { readonly name: 'ImagePolicyWebhook'; readonly configuration: { readonly imagePolicy: ImagePolicySettings } },
  ];
}

/**
 * Bounds enforced by the API server when it loads the file (plugin/pkg/admission/imagepolicy/config.go:
 * min/max AllowTTL and DenyTTL 1 s–30 min, RetryBackoff up to 5 min; 0 means "default", -1 disables a cache).
 */
export const TTL_RANGE = { min: 1, max: 1800 } as const;
export const RETRY_BACKOFF_RANGE = { min: 1, max: 300_000 } as const;
export const DISABLE_CACHE = -1;

export function buildAdmissionConfiguration(settings: ImagePolicySettings): AdmissionConfiguration {
  return {
    apiVersion: 'apiserver.config.k8s.io/v1',
    kind: 'AdmissionConfiguration',
    plugins: [
      {
        name: 'ImagePolicyWebhook',
        configuration: {
          imagePolicy: {
            kubeConfigFile: settings.kubeConfigFile,
            allowTTL: settings.allowTTL,
            denyTTL: settings.denyTTL,
            retryBackoff: settings.retryBackoff,
            defaultAllow: settings.defaultAllow,
          },
        },
      },
    ],
  };
}
