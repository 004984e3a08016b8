import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { Document } from 'yaml';
import { InvalidInputError, UsageError, errorMessage } from '../../errors';
import {
  FAILURE_POLICIES,
  type FailurePolicy,
  TIMEOUT_RANGE,
  type WebhookTarget,
  buildValidatingWebhookConfiguration,
} from '../../deploy/validating-webhook-configuration';
import type { CliContext } from '../context';
import { readCertificate } from './apiserver-config';
import { httpsWebhookUrl } from './https-webhook-url';

// `webhook-config` (SPEC §7): the ValidatingWebhookConfiguration for `/validate`, the managed-cluster path.

export const WEBHOOK_CONFIG_FILE = 'validatingwebhookconfiguration.yaml';
export const VALIDATE_PATH = '/validate';
const SERVICE_HOST = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc(\.cluster\.local)?$/;

interface WebhookConfigOptions {
  readonly url: string;
  readonly ca: string;
  readonly failurePolicy: string;
  readonly timeoutSeconds: string;
  readonly exemptNamespace: readonly string[];
  readonly out?: string;
}

export function registerWebhookConfig(program: Command, ctx: CliContext): void {
  program
    .command('webhook-config')
    .description('write the ValidatingWebhookConfiguration that registers /validate (managed clusters)')
    .requiredOption('--url <url>', `https URL of the webhook; https://NAME.NAMESPACE.svc[:PORT] becomes a Service reference (path ${VALIDATE_PATH} when none)`)
    .requiredOption('--ca <file>', 'CA certificate (PEM) that signed image-reviewer\u2019s serving certificate')
    .option('--failure-policy <policy>', 'what the API server does when image-reviewer cannot answer: Fail (closed) or Ignore (open)', 'Fail')
    .option('--timeout-seconds <n>', `how long the API server waits for an answer (${TIMEOUT_RANGE.min}-${TIMEOUT_RANGE.max})`, '10')
    .option('--exempt-namespace <ns...>', 'namespaces never sent to the webhook (the reviewer\u2019s own, so it can always restart)', ['image-reviewer'])
    .option('--out <dir>', `write ${WEBHOOK_CONFIG_FILE} there (default: print it)`)
    .action((options: WebhookConfigOptions) => webhookConfig(ctx, options));
}

function webhookConfig(ctx: CliContext, options: WebhookConfigOptions): void {
  const failurePolicy = FAILURE_POLICIES.find((p) => p === options.failurePolicy);
  if (failurePolicy === undefined) throw new UsageError(`--failure-policy must be Fail or Ignore, not ${JSON.stringify(options.failurePolicy)}`);
  const settings = {
    target: webhookTarget(options.url),
    caPem: readCertificate(options.ca, '--ca'),
    failurePolicy,
    timeoutSeconds: timeoutSeconds(options.timeoutSeconds),
    exemptNamespaces: options.exemptNamespace,
  };
  const doc = new Document(buildValidatingWebhookConfiguration(settings));
  doc.commentBefore = comment(failurePolicy);
  const text = doc.toString({ lineWidth: 0 });
  if (options.out === undefined) {
    ctx.io.stdout.write(text);
    return;
  }
  const file = path.join(path.resolve(options.out), WEBHOOK_CONFIG_FILE);
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text, { mode: 0o644 });
  } catch (err) {
    throw new InvalidInputError(`cannot write ${file}: ${errorMessage(err)}`);
  }
  ctx.out(`wrote ${file}`);
}

function webhookTarget(text: string): WebhookTarget {
  const url = httpsWebhookUrl(text, VALIDATE_PATH);
  // admissionregistration/v1 WebhookClientConfig: no query either.
  if (url.search !== '') throw new UsageError('--url must not have a ?query');
  const service = SERVICE_HOST.exec(url.hostname);
  if (service !== null) {
    // The API server resolves a Service reference itself; it often cannot resolve *.svc names as a URL host
    // (it runs outside the cluster network on managed control planes).
    return { kind: 'service', name: service[1] ?? '', namespace: service[3] ?? '', port: url.port === '' ? 443 : Number(url.port), path: url.pathname };
  }
  return { kind: 'url', url: url.toString() };
}

function timeoutSeconds(text: string): number {
  const value = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  if (!(value >= TIMEOUT_RANGE.min && value <= TIMEOUT_RANGE.max)) {
    throw new UsageError(`--timeout-seconds must be an integer from ${TIMEOUT_RANGE.min} to ${TIMEOUT_RANGE.max}`);
  }
  return value;
}

function comment(failurePolicy: FailurePolicy): string {
  return [
    ' Written by `image-reviewer webhook-config`. Apply with: kubectl apply -f <this file>',
    failurePolicy === 'Fail'
      ? ' failurePolicy: Fail = fail closed: while image-reviewer cannot answer, no pod or workload is admitted outside the exempt namespaces.'
      : ' failurePolicy: Ignore = fail open: while image-reviewer cannot answer, pods and workloads are admitted unchecked.',
  ].join('\n');
}
