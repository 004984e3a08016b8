import { X509Certificate, createPrivateKey } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { Document } from 'yaml';
import { InvalidInputError, UsageError, errorMessage } from '../../errors';
import {
  DISABLE_CACHE,
  type ImagePolicySettings,
  RETRY_BACKOFF_RANGE,
  TTL_RANGE,
  buildAdmissionConfiguration,
} from '../../deploy/admission-configuration';
import { type ClientCredentials, buildWebhookKubeconfig } from '../../deploy/webhook-kubeconfig';
import type { CliContext } from '../context';
import { httpsWebhookUrl } from './https-webhook-url';

// `apiserver-config` (SPEC §7): writes the two files kube-apiserver needs to call image-reviewer.

export const ADMISSION_CONFIG_FILE = 'admission-config.yaml';
export const KUBECONFIG_FILE = 'image-reviewer-kubeconfig.yaml';
/** ImageReviews are POSTed to the kubeconfig's server URL as it is, so a bare host gets the endpoint's path. */
export const DEFAULT_WEBHOOK_PATH = '/imagereview';

interface ApiserverConfigOptions {
  readonly url: string;
  readonly ca: string;
  readonly clientCert?: string;
  readonly clientKey?: string;
  readonly inlineClientCert?: boolean;
  readonly allowTtl: string;
  readonly denyTtl: string;
  readonly retryBackoff: string;
  readonly defaultAllow: string;
  readonly out?: string;
  readonly kubeconfigPath?: string;
}

export function registerApiserverConfig(program: Command, ctx: CliContext): void {
  program
    .command('apiserver-config')
    .description('write the AdmissionConfiguration and kubeconfig that let kube-apiserver call image-reviewer')
    .requiredOption('--url <url>', `https URL of the webhook (a URL without a path gets ${DEFAULT_WEBHOOK_PATH})`)
    .requiredOption('--ca <file>', 'CA certificate (PEM) that signed image-reviewer\u2019s serving certificate')
    .option('--client-cert <file>', 'client certificate (PEM) the API server presents (checked by serve --client-ca)')
    .option('--client-key <file>', 'private key (PEM) of --client-cert')
    .option('--inline-client-cert', 'embed the client certificate and key (client-*-data) instead of referencing paths')
    .option('--allow-ttl <seconds>', 'how long the API server caches an allow (1-1800, -1 = no cache)', '300')
    .option('--deny-ttl <seconds>', 'how long the API server caches a deny (1-1800, -1 = no cache)', '30')
    .option('--retry-backoff <ms>', 'wait between retries of a failed call (1-300000)', '500')
    .option('--default-allow <bool>', 'admit pods when image-reviewer cannot be reached (fail open)', 'false')
    .option('--out <dir>', `write ${ADMISSION_CONFIG_FILE} and ${KUBECONFIG_FILE} there (default: print both)`)
    .option('--kubeconfig-path <path>', 'where the kubeconfig will live on the control-plane host (default: the written file)')
    .action((options: ApiserverConfigOptions) => apiserverConfig(ctx, options));
}

function apiserverConfig(ctx: CliContext, options: ApiserverConfigOptions): void {
  const server = httpsWebhookUrl(options.url, DEFAULT_WEBHOOK_PATH).toString();
  const kubeConfigFile = path.resolve(options.kubeconfigPath ?? path.join(options.out ?? '.', KUBECONFIG_FILE));
  const settings: ImagePolicySettings = {
    kubeConfigFile,
    allowTTL: ttl('--allow-ttl', options.allowTtl),
    denyTTL: ttl('--deny-ttl', options.denyTtl),
    retryBackoff: integerIn('--retry-backoff', options.retryBackoff, RETRY_BACKOFF_RANGE.min, RETRY_BACKOFF_RANGE.max),
    defaultAllow: boolean('--default-allow', options.defaultAllow),
  };
  const client = clientCredentials(options);
  const caPem = readCertificate(options.ca, '--ca');
  const admission = yamlText(buildAdmissionConfiguration(settings), admissionComment(settings.defaultAllow));
  const kubeconfig = yamlText(buildWebhookKubeconfig({ server, caPem, client }), KUBECONFIG_COMMENT);
  if (options.out === undefined) {
    ctx.io.stdout.write(`${admission}---\n${kubeconfig}`);
    return;
  }
  const outDir = path.resolve(options.out);
  writeFile(path.join(outDir, ADMISSION_CONFIG_FILE), admission, 0o644);
  // 0600: the kubeconfig may embed the API server's private key (--inline-client-cert).
  writeFile(path.join(outDir, KUBECONFIG_FILE), kubeconfig, 0o600);
  ctx.out(`wrote ${path.join(outDir, ADMISSION_CONFIG_FILE)}`);
  ctx.out(`wrote ${path.join(outDir, KUBECONFIG_FILE)}`);
  if (kubeConfigFile !== path.join(outDir, KUBECONFIG_FILE)) {
    ctx.err(`note: ${ADMISSION_CONFIG_FILE} expects the kubeconfig at ${kubeConfigFile}; copy it there`);
  }
}


function ttl(flag: string, text: string): number {
  if (text.trim() === String(DISABLE_CACHE)) return DISABLE_CACHE;
  return integerIn(flag, text, TTL_RANGE.min, TTL_RANGE.max, ' or -1 (no cache)');
}

function integerIn(flag: string, text: string, min: number, max: number, extra = ''): number {
  const value = /^\s*\d+\s*$/.test(text) ? Number(text) : NaN;
  // The API server refuses to start with a value outside these bounds, so refuse it here first.
  if (!(value >= min && value <= max)) throw new UsageError(`${flag} must be an integer from ${min} to ${max}${extra}`);
  return value;
}

function boolean(flag: string, text: string): boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  throw new UsageError(`${flag} must be true or false`);
}

function clientCredentials(options: ApiserverConfigOptions): ClientCredentials | undefined {
  const { clientCert, clientKey } = options;
  if (clientCert === undefined && clientKey === undefined) {
    if (options.inlineClientCert) throw new UsageError('--inline-client-cert needs --client-cert and --client-key');
    return undefined;
  }
  if (clientCert === undefined || clientKey === undefined) {
    throw new UsageError('--client-cert and --client-key go together');
  }
  const certPem = readCertificate(clientCert, '--client-cert');
  const keyPem = readPrivateKey(clientKey, certPem);
  return options.inlineClientCert
    ? { kind: 'inline', certPem, keyPem }
    : { kind: 'files', certFile: path.resolve(clientCert), keyFile: path.resolve(clientKey) };
}

function readText(file: string, flag: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new InvalidInputError(`cannot read ${flag} ${file}: ${errorMessage(err)}`);
  }
}

export function readCertificate(file: string, flag: string): string {
  const text = readText(file, flag);
  if (!text.includes('-----BEGIN CERTIFICATE-----')) throw new InvalidInputError(`${flag} ${file} is not a PEM certificate`);
  try {
    new X509Certificate(text);
  } catch (err) {
    throw new InvalidInputError(`${flag} ${file} is not a valid certificate: ${errorMessage(err)}`);
  }
  return text;
}

function readPrivateKey(file: string, certPem: string): string {
  const text = readText(file, '--client-key');
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text)) throw new InvalidInputError(`--client-key ${file} is not a PEM private key`);
  let matches: boolean;
  try {
    matches = new X509Certificate(certPem).checkPrivateKey(createPrivateKey(text));
  } catch (err) {
    throw new InvalidInputError(`--client-key ${file} is not a valid private key: ${errorMessage(err)}`);
  }
  if (!matches) throw new InvalidInputError(`--client-key ${file} does not match --client-cert`);
  return text;
}

function yamlText(value: unknown, comment: string): string {
  const doc = new Document(value);
  doc.commentBefore = comment;
  // lineWidth 0: never fold the long base64 lines.
  return doc.toString({ lineWidth: 0 });
}

function admissionComment(defaultAllow: boolean): string {
  return [
    ' Written by `image-reviewer apiserver-config`. Give it to kube-apiserver with:',
    '   --enable-admission-plugins=...,ImagePolicyWebhook --admission-control-config-file=<this file>',
    defaultAllow
      ? ' defaultAllow: true = fail open: pods are admitted unchecked while image-reviewer is unreachable.'
      : ' defaultAllow: false = fail closed: no pod can be created while image-reviewer is unreachable, its own included.',
  ].join('\n');
}

const KUBECONFIG_COMMENT =
  ' Written by `image-reviewer apiserver-config`: how kube-apiserver reaches image-reviewer (cluster) and who it is (user).';

function writeFile(file: string, text: string, mode: number): void {
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text, { mode });
    fs.chmodSync(file, mode);
  } catch (err) {
    throw new InvalidInputError(`cannot write ${file}: ${errorMessage(err)}`);
  }
}
