// bench/reissue: `hubcerts reissue` on files (existing CA, RSA-2048 leaf) as a whole
// process, beside a floor: a fresh Node process that only generates one RSA-2048 key.
// Target: at most 1.5x the floor. Run with `npm run bench:reissue` (builds first).
// Prints figures; asserts nothing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
const cli = join(import.meta.dirname, '..', 'dist', 'hubcerts.mjs');
const dir = mkdtempSync(join(tmpdir(), 'hubcerts-bench-'));
const refs = [
  `--store=dir:${dir}/ca_certs`,
  `--secret=file:${dir}/secret.yaml`,
  `--inventory=file:${dir}/inventory.yaml`,
];

function inventory(revision) {
  const nodes = Array.from(
    { length: revision },
    (_, i) => `jwlogin${String(i + 1).padStart(2, '0')}i`,
  );
  writeFileSync(
    join(dir, 'inventory.yaml'),
    `revision: ${revision}\nsystems:\n  - name: JUWELS\n    loginNodes: [${nodes.join(', ')}]\n`,
  );
}

// Children get a bare environment, the same for floor and CLI: a NODE_EXTRA_CA_CERTS in this
// shell, for one, makes Node 20 parse a whole CA bundle at start, which is no part of either.
const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', TZ: 'UTC' };

function timed(args) {
  const start = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { encoding: 'utf8', env });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr}`);
  return { ms, stdout: result.stdout };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

try {
  inventory(1);
  timed([cli, 'init', ...refs, '--key-type=rsa-2048']);
  const floorScript = "require('node:crypto').generateKeyPairSync('rsa', { modulusLength: 2048 })";
  const floor = [];
  const reissue = [];
  // Interleave the two so that machine noise hits both alike.
  for (let i = 0; i < RUNS; i++) {
    floor.push(timed(['-e', floorScript]).ms);
    inventory(i + 2);
    const run = timed([cli, 'reissue', ...refs]);
    if (!/reissued/.test(run.stdout)) throw new Error(`reissue did not reissue: ${run.stdout}`);
    reissue.push(run.ms);
  }
  const f = median(floor);
  const r = median(reissue);
  console.log(`bench/reissue (${RUNS} runs each, medians, RSA-2048 leaf)`);
  console.log(`  floor: node + one RSA-2048 key   ${f.toFixed(0).padStart(6)} ms`);
  console.log(`  hubcerts reissue on files        ${r.toFixed(0).padStart(6)} ms`);
  console.log(
    `  ratio                            ${(r / f).toFixed(2).padStart(6)} x   (target <= 1.50)`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
