import { UsageError } from '../../errors';

/**
 * `--url` of `apiserver-config` and `webhook-config`: the API server calls webhooks only over TLS (Kubernetes docs,
 * ImagePolicyWebhook; admissionregistration/v1 WebhookClientConfig "the scheme must be https"), and a URL may carry
 * no user info or fragment. A bare host gets `defaultPath`.
 */
export function httpsWebhookUrl(text: string, defaultPath: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--url ${JSON.stringify(text)} is not a URL`);
  }
  if (url.protocol !== 'https:') throw new UsageError(`--url must use https (got ${url.protocol.replace(/:$/, '')})`);
  if (url.username !== '' || url.password !== '') throw new UsageError('--url must not carry credentials');
  if (url.hash !== '') throw new UsageError('--url must not have a #fragment');
  if (url.pathname === '/') url.pathname = defaultPath;
  return url;
}
