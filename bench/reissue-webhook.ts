/**
 * bench/reissue-webhook: a signed inventory webhook through the `reissueProxyClient` handler
 * to a written Secret, against the Vault and Kubernetes emulators, each run in a fresh Node
 * process (a cold start) that imports the packaged, minified function bundle Lambda runs.
 * Prints the median, the share that is key generation, and the ratio to a floor of a fresh
 * Node process that generates one key of the same type. Target for RSA-2048 leaves: <= 1.5x
 * the floor; the P-256 option is reported beside it.
 *
 * Run: npm run bench:reissue-webhook   (packages the functions first)
 */
import { createHmac } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../test/helpers/cli.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const KEY = 'bench-webhook-key';
const NODES = ['jwlogin01i', 'jwlogin02i'];

interface Config {
  env: Record<string, string>;
  body: string;
  /** The unpacked function module, functions/reissueProxyClient.mjs. */
  entry: string;
}

/** The child: one signed webhook through the handler, then exit. */
async function measure(configPath: string): Promise<void> {
  const config = JSON.parse(await readFile(configPath, 'utf8')) as Config;
  Object.assign(process.env, config.env);
  const { handler } = (await import(config.entry)) as {
    handler: (e: unknown, c: unknown) => Promise<unknown>;
  };
  const t = Math.floor(Date.now() / 1000);
  // Signed here as the inventory owner would sign, so nothing else of hubcerts loads.
  const signPayload = (body: string, key: string, at: number) =>
    `t=${at},v1=${createHmac('sha256', key).update(`${at}.${body}`).digest('hex')}`;
  const event = {
    version: '2.0',
    routeKey: 'POST /inventory',
    rawPath: '/inventory',
    headers: {
      'content-type': 'application/json',
      'x-hubcerts-signature': signPayload(config.body, KEY, t),
    },
    requestContext: { http: { method: 'POST', path: '/inventory' }, requestId: 'bench' },
    body: config.body,
    isBase64Encoded: false,
  };
  const context = { awsRequestId: 'bench', getRemainingTimeInMillis: () => 60_000 };
  const silent = process.stdout.write.bind(process.stdout);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  const answer = (await handler(event, context as never)) as { statusCode: number; body: string };
  process.stdout.write = silent;
  if (answer.statusCode !== 200)
    throw new Error(`webhook answered ${answer.statusCode}: ${answer.body}`);
  process.stdout.write(`${JSON.parse(answer.body).code}\n`);
}

/** Wall time of one fresh Node process running `args`, from spawn to exit. */
async function timed(args: string[]): Promise<number> {
  const started = process.hrtime.bigint();
  const result = await run(process.execPath, args);
  if (result.code !== 0)
    throw new Error(`${args.join(' ')} failed: ${result.stderr || result.stdout}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function measureKeyType(
  keyType: 'rsa-2048' | 'ec-p256',
  dir: string,
  entry: string,
): Promise<void> {
  const { VaultEmulator } = await import('../test/emulators/vault.js');
  const { KubernetesEmulator, kubeconfigFor } = await import('../test/emulators/kubernetes.js');
  const { openInventory, openPublication, openStore } = await import('../lib/backends.js');
  const { createCaSet, issueLeafFrom } = await import('../lib/certset/caset.js');
  const { toSecretData } = await import('../lib/certset/secret.js');
  const { desiredSans } = await import('../lib/pki/names.js');
  const [vault, k8s] = await Promise.all([VaultEmulator.start(), KubernetesEmulator.start()]);
  try {
    // An existing CA set and Secret, as in production: only the leaf is new per run.
    const now = new Date();
    const set = await createCaSet({ keySpec: 'rsa-2048', caDays: 1826, now });
    const leafOptions = { keySpec: keyType, days: 365, now };
    const leaves = {
      'proxy-api': await issueLeafFrom(set, 'proxy-api', desiredSans([], []), leafOptions),
      'proxy-client': await issueLeafFrom(set, 'proxy-client', desiredSans([], NODES), leafOptions),
    };
    const options = {
      env: { VAULT_ADDR: vault.url, VAULT_TOKEN: 'root' },
      kubeconfig: kubeconfigFor(k8s),
    };
    await (await openStore('vault:secret/hub#value', options)).write(set, null, {
      who: 'bench',
      why: 'seed',
    });
    await (await openPublication('k8s:jupyterjsc/internal-ssl', options)).secret.write(
      toSecretData(set, leaves, 'internal-ssl'),
      {},
      null,
    );
    await openInventory('vault:secret/inventory', options);

    const env = {
      VAULT_ADDR: vault.url,
      VAULT_TOKEN: 'root',
      HUBCERTS_STORE: 'vault:secret/hub#value',
      HUBCERTS_SECRET: 'k8s:jupyterjsc/internal-ssl',
      HUBCERTS_INVENTORY: 'vault:secret/inventory',
      HUBCERTS_KUBECONFIG: kubeconfigFor(k8s),
      HUBCERTS_WEBHOOK_SECRET: KEY,
      HUBCERTS_KEY_TYPE: keyType,
    };
    const floorCode =
      keyType === 'rsa-2048'
        ? "require('node:crypto').generateKeyPairSync('rsa', { modulusLength: 2048 })"
        : "require('node:crypto').generateKeyPairSync('ec', { namedCurve: 'P-256' })";
    const webhook: number[] = [];
    const floor: number[] = [];
    const empty: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      // Each run adds a login node under a new revision, so each one issues a certificate.
      const body = JSON.stringify({
        revision: i + 2,
        systems: [
          {
            name: 'JUWELS',
            loginNodes: [...NODES, ...Array.from({ length: i + 1 }, (_, n) => `jwlogin${n + 10}i`)],
          },
        ],
      });
      const path = join(dir, `config-${keyType}-${i}.json`);
      await writeFile(path, JSON.stringify({ env, body, entry } satisfies Config));
      empty.push(await timed(['-e', '0']));
      floor.push(await timed(['-e', floorCode]));
      const profile = process.env.BENCH_PROFILE_DIR
        ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`]
        : [];
      webhook.push(await timed([...profile, process.argv[1]!, 'measure', path]));
    }
    const [w, f, e] = [median(webhook), median(floor), median(empty)];
    const keyShare = Math.max(0, f - e) / w;
    console.log(
      `  ${keyType.padEnd(9)} webhook ${w.toFixed(0).padStart(5)} ms   ` +
        `floor (node + one key) ${f.toFixed(0).padStart(5)} ms   ` +
        `ratio ${(w / f).toFixed(2)}x   ` +
        `key generation ~${(keyShare * 100).toFixed(0)}% of the webhook`,
    );
  } finally {
    await Promise.all([vault.close(), k8s.close()]);
  }
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'hubcerts-bench-webhook-'));
  const { unpack } = await import('../test/package/lambda-run.js');
  const bundle = await unpack('reissueProxyClient');
  try {
    console.log(
      `bench/reissue-webhook (${RUNS} cold processes each, medians; target for RSA-2048 <= 1.50x)`,
    );
    await measureKeyType('rsa-2048', dir, bundle.entry);
    await measureKeyType('ec-p256', dir, bundle.entry);
  } finally {
    await bundle.cleanup();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === 'measure') await measure(process.argv[3]!);
else await main();
