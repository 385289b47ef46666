/**
 * bench/scan: a fleet scan of N certificates (default 10,000, then 50,000) spread over
 * Secrets, read from a `kubectl get secrets -o json` dump and from the Kubernetes emulator
 * page by page. Each measurement runs in a fresh process so peak RSS is its own. Prints the
 * whole-scan wall time, certificates/s, the parse loop alone, and peak RSS, beside a floor
 * that only reads the same data and decodes PEM. Targets: parse loop >= 150,000/s; dump scan
 * <= 1.5x the floor; peak RSS <= 150 MiB at 10,000, growing < 20% at 50,000.
 *
 * Run: npm run bench:scan   (bundles this file to dist/bench/scan.mjs first)
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCaSet, issueLeafFrom } from '../lib/certset/caset.js';
import { fileFleetPages } from '../lib/cluster/fleet-file.js';
import { listItemBatches } from '../lib/cluster/json-items.js';
import { inspectDer } from '../lib/pki/inspect.js';
import { certificatesInValue, type FleetSecret, scanFleet } from '../lib/workflows/scan/fleet.js';
import type { KubernetesEmulator } from '../test/emulators/kubernetes.js';
import { run } from '../test/helpers/cli.js';

const THRESHOLDS = { warnDays: 30, criticalDays: 7, caWarnDays: 365, caCriticalDays: 90 };
const PER_SECRET = 2;

async function makeDump(path: string, certificates: number): Promise<void> {
  // 100 distinct leaves from one CA set, reused across the Secrets.
  const now = new Date();
  const set = await createCaSet({ keySpec: 'ec-p256', caDays: 1826, now });
  const leaves: string[] = [];
  for (let i = 0; i < 100; i++) {
    const days = 10 + (i % 50) * 10;
    const leaf = await issueLeafFrom(set, 'proxy-client', [`DNS:user-${i}.example.org`], {
      keySpec: 'ec-p256',
      days,
      now,
    });
    leaves.push(Buffer.from(leaf.cert).toString('base64'));
  }
  const secrets = Math.ceil(certificates / PER_SECRET);
  const items: string[] = [];
  for (let i = 0; i < secrets; i++) {
    const data = { 'tls.crt': leaves[i % 100], 'ca.crt': leaves[(i * 7) % 100] };
    items.push(
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: `user-${i}`, namespace: 'jupyterhub-users' },
        type: 'Opaque',
        data,
      }),
    );
  }
  await writeFile(path, `{"apiVersion":"v1","kind":"List","items":[\n${items.join(',\n')}\n]}\n`);
}

/** One measurement in this process; prints a JSON line with its figures. */
async function measure(mode: string, path: string): Promise<void> {
  const started = process.hrtime.bigint();
  let count = 0;
  let parseNs = 0n;
  if (mode === 'floor') {
    // Read the same bytes, take each item, decode base64 and PEM: no inspection at all.
    const stream = createReadStream(path, { highWaterMark: 256 * 1024 });
    for await (const batch of listItemBatches(stream, path)) {
      for (const item of batch) {
        for (const value of Object.values((item as FleetSecret).data))
          count += certificatesInValue(value).length;
      }
    }
  } else if (mode === 'dump') {
    const result = await scanFleet(`file:${path}`, fileFleetPages(path), THRESHOLDS, new Date());
    count = result.certificates;
  } else if (mode === 'k8s') {
    // `path` is a kubeconfig file for the emulator the parent process serves.
    // Loaded here only, so the other modes do not pay for the client in time or memory.
    const { openK8sFleet } = await import('../lib/cluster/k8s-fleet.js');
    const fleet = openK8sFleet({ env: {}, kubeconfig: await readFile(path, 'utf8') });
    const pages = fleet.listSecrets('jupyterhub-users', '', 500);
    count = (await scanFleet('k8s:jupyterhub-users', pages, THRESHOLDS, new Date())).certificates;
  } else if (mode === 'parse') {
    const ders: Buffer[] = [];
    for await (const page of fileFleetPages(path)) {
      for (const secret of page)
        for (const value of Object.values(secret.data)) ders.push(...certificatesInValue(value));
    }
    // Warm the JIT as a long scan would, then time the loop alone.
    for (const der of ders.slice(0, 5000)) inspectDer(der);
    const loop = process.hrtime.bigint();
    for (const der of ders) inspectDer(der);
    parseNs = process.hrtime.bigint() - loop;
    count = ders.length;
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const rssMiB = process.resourceUsage().maxRSS / 1024;
  const parsePerS = parseNs ? count / (Number(parseNs) / 1e9) : 0;
  process.stdout.write(`${JSON.stringify({ mode, count, ms, parsePerS, rssMiB })}\n`);
}

interface Figures {
  count: number;
  ms: number;
  parsePerS: number;
  rssMiB: number;
}

/** One measurement in a fresh process; asynchronous so an emulator here keeps answering. */
async function child(mode: string, path: string): Promise<Figures> {
  const result = await run(process.execPath, [process.argv[1]!, 'measure', mode, path]);
  if (result.code !== 0) throw new Error(`${mode} failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').at(-1)!);
}

async function repeat(times: number, mode: string, path: string): Promise<Figures[]> {
  const runs: Figures[] = [];
  for (let i = 0; i < times; i++) runs.push(await child(mode, path));
  return runs;
}

/** Serves the dump's Secrets from the Kubernetes emulator; returns a kubeconfig path. */
async function serveDump(
  dump: string,
  dir: string,
): Promise<{ kubeconfig: string; emulator: KubernetesEmulator }> {
  const { KubernetesEmulator, kubeconfigFor } = await import('../test/emulators/kubernetes.js');
  const emulator = await KubernetesEmulator.start();
  const list = JSON.parse(await readFile(dump, 'utf8')) as {
    items: { metadata: object; data: object }[];
  };
  for (const item of list.items)
    emulator.seed({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: item.metadata,
      data: item.data,
    } as never);
  const kubeconfig = join(dir, 'kubeconfig');
  await writeFile(kubeconfig, kubeconfigFor(emulator));
  return { kubeconfig, emulator };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'hubcerts-bench-scan-'));
  try {
    const rss: Record<number, number> = {};
    const rssK8s: Record<number, number> = {};
    for (const n of [10_000, 50_000]) {
      const path = join(dir, `dump-${n}.json`);
      await makeDump(path, n);
      const floor = await repeat(3, 'floor', path);
      const dump = await repeat(3, 'dump', path);
      const parse = await child('parse', path);
      const served = await serveDump(path, dir);
      const k8s = await repeat(3, 'k8s', served.kubeconfig).finally(() => served.emulator.close());
      const k = median(k8s.map((r) => r.ms));
      rssK8s[n] = Math.max(...k8s.map((r) => r.rssMiB));
      const f = median(floor.map((r) => r.ms));
      const d = median(dump.map((r) => r.ms));
      rss[n] = Math.max(...dump.map((r) => r.rssMiB));
      console.log(
        `bench/scan, ${n} certificates in ${Math.ceil(n / PER_SECRET)} Secrets (medians of 3)`,
      );
      console.log(
        `  floor (read dump, decode PEM)   ${f.toFixed(0).padStart(7)} ms  ` +
          `${(n / (f / 1000)).toFixed(0).padStart(8)} certs/s  ` +
          `peak RSS ${median(floor.map((r) => r.rssMiB)).toFixed(0)} MiB`,
      );
      console.log(
        `  fleet scan of the dump          ${d.toFixed(0).padStart(7)} ms  ` +
          `${(n / (d / 1000)).toFixed(0).padStart(8)} certs/s  ` +
          `peak RSS ${rss[n].toFixed(0)} MiB  (${(d / f).toFixed(2)}x floor, target <= 1.50)`,
      );
      console.log(
        `  fleet scan via the K8s emulator ${k.toFixed(0).padStart(7)} ms  ` +
          `${(n / (k / 1000)).toFixed(0).padStart(8)} certs/s  ` +
          `peak RSS ${median(k8s.map((r) => r.rssMiB)).toFixed(0)} MiB  (pages of 500)`,
      );
      console.log(
        '  parse loop alone (inspectDer)                ' +
          `${parse.parsePerS.toFixed(0).padStart(8)} certs/s  (target >= 150000)`,
      );
    }
    const growth = (rss[50_000]! / rss[10_000]! - 1) * 100;
    console.log(
      `peak RSS 10,000 -> 50,000: ${rss[10_000]!.toFixed(0)} -> ${rss[50_000]!.toFixed(0)} MiB ` +
        `(+${growth.toFixed(0)}%, target < 20%; <= 150 MiB at 10,000)`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

// `measure MODE PATH` runs one measurement; `make PATH N` writes a dump for profiling.
if (process.argv[2] === 'measure') await measure(process.argv[3]!, process.argv[4]!);
else if (process.argv[2] === 'make') await makeDump(process.argv[3]!, Number(process.argv[4]));
else await main();
