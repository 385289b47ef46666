import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSecretManifest } from '../../lib/certset/manifest.js';
import { TRUST_GRAPH } from '../../lib/certset/model.js';
import { inspectPem } from '../../lib/pki/inspect.js';
import { hubcerts, run } from '../helpers/cli.js';
import { inventoryOf, tempDir, writeInventory } from '../helpers/hub.js';
import { requirePeer } from '../helpers/peers.js';

const PYTHON = '/usr/bin/python3';
let dir: string;
let cleanup: () => Promise<void>;

/** Runs Python with Debian's certipy in `cwd`. */
function python(script: string, cwd: string): string {
  return execFileSync(PYTHON, ['-c', script], { cwd, encoding: 'utf8' });
}

beforeAll(async () => {
  requirePeer(PYTHON, ['-c', 'import certipy']);
  requirePeer('kubectl', ['version', '--client']);
  ({ dir, cleanup } = await tempDir('hubcerts-certipy-'));
});
afterAll(() => cleanup());

describe('a CA set made by certipy 0.1.3, as production has it', () => {
  let refs: string[];

  beforeAll(async () => {
    // Prepare: what JupyterHub's init_internal_ssl does with certipy: five CAs, the trust
    // bundles from the trust graph, and the proxy leaves; then the operator's script
    // turned the folder into a Secret with kubectl.
    const graph = JSON.stringify(TRUST_GRAPH);
    python(
      [
        'import json',
        'from certipy import Certipy',
        `graph = json.loads('${graph}')`,
        "c = Certipy(store_dir='internal-ssl')",
        'for ca in graph: c.create_ca(ca)',
        'c.trust_from_graph(graph)',
        "c.create_signed_pair('proxy-api', 'proxy-api-ca', " +
          "alt_names=['IP:127.0.0.1', 'DNS:localhost'])",
        "c.create_signed_pair('proxy-client', 'proxy-client-ca', " +
          "alt_names=['DNS:localhost', 'DNS:jwlogin01i'])",
      ].join('\n'),
      dir,
    );
    const top = join(dir, 'internal-ssl');
    const fromFile: string[] = [];
    for (const entry of await readdir(top)) {
      if ((await stat(join(top, entry))).isDirectory()) {
        for (const file of await readdir(join(top, entry)))
          fromFile.push(`--from-file=${entry}_${file}=${join(top, entry, file)}`);
      } else {
        fromFile.push(`--from-file=${entry}=${join(top, entry)}`);
      }
    }
    const manifest = execFileSync(
      'kubectl',
      [
        'create',
        'secret',
        'generic',
        'internal-ssl',
        ...fromFile,
        '--dry-run=client',
        '-o',
        'yaml',
      ],
      { encoding: 'utf8' },
    );
    await writeFile(join(dir, 'secret.yaml'), manifest);
    await writeInventory(
      join(dir, 'inventory.yaml'),
      inventoryOf(5, ['jwlogin01i', 'jwlogin02i'], []),
    );
    refs = [
      `--store=dir:${top}`,
      `--secret=file:${dir}/secret.yaml`,
      `--inventory=file:${dir}/inventory.yaml`,
    ];
  });

  it('is version-1 material with serial 0, as certipy makes it', async () => {
    const info = inspectPem(await readFile(join(dir, 'internal-ssl/hub-ca/hub-ca.crt'), 'utf8'));
    expect(info.version).toBe(1);
    expect(info.serial).toBe('00');
  });

  it('loads and scans with LEGACY_X509 findings', async () => {
    const result = await hubcerts(['scan', ...refs, '--json']);
    const report = JSON.parse(result.stdout);
    const legacy = report.findings.filter((f: { code: string }) => f.code === 'LEGACY_X509');

    expect(legacy.map((f: { certificate: string }) => f.certificate)).toEqual(
      expect.arrayContaining(['store:hub-ca', 'secret:proxy-client', 'secret:proxy-api']),
    );
    expect(
      legacy.find((f: { certificate: string }) => f.certificate === 'secret:proxy-client').message,
    ).toMatch(/X\.509 version 1, serial 0/);
    expect(
      report.findings.filter(
        (f: { code: string }) => !['LEGACY_X509', 'SAN_MISSING', 'SAN_UNEXPECTED'].includes(f.code),
      ),
    ).toEqual([]);
  });

  it('re-issues a version-3 proxy-client from the certipy CA that OpenSSL accepts', async () => {
    const result = await hubcerts(['reissue', ...refs, '--allow-removal', '--force']);
    expect(result.code, result.stderr).toBe(0);

    const data = parseSecretManifest(await readFile(join(dir, 'secret.yaml'), 'utf8'), 's').data;
    const leaf = data['proxy-client_proxy-client.crt']!.toString();
    expect(inspectPem(leaf).version).toBe(3);
    expect(inspectPem(leaf).sans).toEqual([
      'IP:127.0.0.1',
      'IP:::1',
      'DNS:localhost',
      'DNS:jwlogin01i',
      'DNS:jwlogin02i',
    ]);
    await writeFile(join(dir, 'leaf.pem'), leaf);
    const verify = await run('openssl', [
      'verify',
      '-CAfile',
      join(dir, 'internal-ssl/proxy-client-ca/proxy-client-ca.crt'),
      join(dir, 'leaf.pem'),
    ]);
    expect(verify.stdout.trim()).toBe(`${join(dir, 'leaf.pem')}: OK`);
    const rescan = JSON.parse((await hubcerts(['scan', ...refs, '--json'])).stdout);
    expect(rescan.findings.map((f: { certificate: string }) => f.certificate)).not.toContain(
      'secret:proxy-client',
    );
  });
});

describe('certipy reading what hubcerts wrote', () => {
  it('loads every record and file of the Secret as the hub unpacks it', async () => {
    // Prepare: a hubcerts hub, unpacked as the hub unpacks its Secret (folder_file keys).
    const root = join(dir, 'fresh');
    await mkdir(root, { recursive: true });
    const refs = [`--store=dir:${root}/ca_certs`, `--secret=file:${root}/secret.yaml`];
    expect((await hubcerts(['init', ...refs, '--key-type=rsa-2048'])).code).toBe(0);
    const data = parseSecretManifest(await readFile(join(root, 'secret.yaml'), 'utf8'), 's').data;
    for (const [key, value] of Object.entries(data)) {
      const match = /^(.+?)_(\1\.(?:crt|key))$/.exec(key);
      const path = match
        ? join(root, 'internal-ssl', match[1]!, match[2]!)
        : join(root, 'internal-ssl', key);
      await mkdir(join(path, '..'), { recursive: true });
      await writeFile(path, value);
    }

    // Act: certipy opens the store and loads every record's files with pyOpenSSL.
    // (certipy 0.1.3's own load_all() is broken, so each file is loaded on its own.)
    const out = python(
      [
        'from certipy import Certipy',
        "c = Certipy(store_dir='internal-ssl')",
        'for name in sorted(c.store.store):',
        '    b = c.store.get_files(name)',
        '    b.cert.load(); b.key.load()',
        "    if b.record['parent_ca']: b.ca.load()",
        "    print(name, b.record['parent_ca'] or '-', b.is_ca(), b.cert.x509.get_subject().CN)",
      ].join('\n'),
      root,
    );

    // Assess
    expect(out.trim().split('\n')).toEqual([
      'hub-ca - True hub-ca',
      'notebooks-ca - True notebooks-ca',
      'proxy-api proxy-api-ca False proxy-api',
      'proxy-api-ca - True proxy-api-ca',
      'proxy-client proxy-client-ca False proxy-client',
      'proxy-client-ca - True proxy-client-ca',
      'services-ca - True services-ca',
    ]);
  });
});
