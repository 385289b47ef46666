// `npm start`: the main job on the embedded default. On first run it creates a demo hub
// state under ./demo (a CA set in certipy layout, a Secret manifest, an inventory); every
// run then scans it, exactly as the scheduled function scans production.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.HUBCERTS_DEMO_DIR ?? 'demo';
const cli = join(
  import.meta.dirname ?? new URL('.', import.meta.url).pathname,
  '..',
  'dist',
  'hubcerts.mjs',
);
const refs = [
  `--store=dir:${join(dir, 'ca_certs')}`,
  `--secret=file:${join(dir, 'secret.yaml')}`,
  `--inventory=file:${join(dir, 'inventory.yaml')}`,
];
const hubcerts = (...args) =>
  spawnSync(process.execPath, [cli, ...args], { stdio: 'inherit' }).status ?? 2;

if (!existsSync(join(dir, 'ca_certs'))) {
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'inventory.yaml'),
    [
      '# The login nodes whose ssh tunnels reach the hub, plus fixed names.',
      'revision: 1',
      'names: [proxy-public, hub]',
      'systems:',
      '  - name: JUWELS',
      '    loginNodes: [jwlogin01i, jwlogin02i]',
      '  - name: JURECA',
      '    loginNodes: [jrlogin01i, 10.1.2.3]',
      '',
    ].join('\n'),
  );
  console.log(`Creating a demo hub state in ${dir}/ ...`);
  const code = hubcerts('init', ...refs);
  if (code !== 0) process.exit(code);
  console.log('');
}
console.log(`Scanning ${dir}/ (hubcerts scan ${refs.join(' ')})\n`);
process.exit(hubcerts('scan', ...refs));
