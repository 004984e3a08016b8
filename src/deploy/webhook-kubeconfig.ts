// The kubeconfig that ImagePolicyWebhook reads to reach its backend: `clusters` is image-reviewer (URL and the CA
// that signed its serving certificate), `users` is the API server itself (its client certificate, which
// `serve --client-ca` checks). Kubernetes docs, ImagePolicyWebhook → Configuration file format.

export const WEBHOOK_NAME = 'image-reviewer';
export const APISERVER_USER = 'kube-apiserver';

/** A client certificate referenced by path on the control-plane host, or embedded. */
export type ClientCredentials =
  | { readonly kind: 'files'; readonly certFile: string; readonly keyFile: string }
  | { readonly kind: 'inline'; readonly certPem: string; readonly keyPem: string };

export interface WebhookKubeconfigInput {
  readonly server: string;
  readonly caPem: string;
  readonly client?: ClientCredentials;
}

export interface WebhookKubeconfig {
  readonly apiVersion: 'v1';
  readonly kind: 'Config';
  readonly clusters: readonly { readonly name: string; readonly cluster: Readonly<Record<string, string>> }[];
  readonly users: readonly { readonly name: string; readonly user: Readonly<Record<string, string>> }[];
  readonly contexts: readonly { readonly name: string; readonly context: { readonly cluster: string; readonly user: string } }[];
  readonly 'current-context': string;
}

export function buildWebhookKubeconfig(input: WebhookKubeconfigInput): WebhookKubeconfig {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: WEBHOOK_NAME,
        // Inlined, so the API server needs no extra file and a later edit of the CA file cannot change trust silently.
        cluster: { server: input.server, 'certificate-authority-data': base64(input.caPem) },
      },
    ],
    users: [{ name: APISERVER_USER, user: userEntry(input.client) }],
    contexts: [{ name: WEBHOOK_NAME, context: { cluster: WEBHOOK_NAME, user: APISERVER_USER } }],
    'current-context': WEBHOOK_NAME,
  };
}

function userEntry(client: ClientCredentials | undefined): Readonly<Record<string, string>> {
  if (client === undefined) return {};
  if (client.kind === 'files') return { 'client-certificate': client.certFile, 'client-key': client.keyFile };
  return { 'client-certificate-data': base64(client.certPem), 'client-key-data': base64(client.keyPem) };
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}
