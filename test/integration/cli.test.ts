import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubcerts } from '../helpers/cli.js';
import { inventoryOf, tempDir, writeInventory } from '../helpers/hub.js';

let dir: string;
let cleanup: () => Promise<void>;
let refs: string[];
const NODES = ['jwlogin01i', 'jwlogin02i', 'jwlogin03i', 'jwlogin04i', 'jwlogin05i'];

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('hubcerts-cli-'));
  await writeInventory(join(dir, 'inventory.yaml'), inventoryOf(1, NODES));
  refs = [
    `--store=dir:${dir}/ca_certs`,
    `--secret=file:${dir}/secret.yaml`,
    `--inventory=file:${dir}/inventory.yaml`,
  ];
  const init = await hubcerts(['init', ...refs, '--key-type=ec-p256']);
  expect(init.code, init.stderr).toBe(0);
});
afterAll(() => cleanup());

describe('hubcerts init', () => {
  it('refuses to overwrite an existing CA set and changes nothing', async () => {
    const before = await readFile(join(dir, 'ca_certs/hub-ca/hub-ca.crt'), 'utf8');
    const result = await hubcerts(['init', ...refs]);

    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/already holds a CA set; init never overwrites one/);
    expect(await readFile(join(dir, 'ca_certs/hub-ca/hub-ca.crt'), 'utf8')).toBe(before);
  });

  it('writes keys readable by their owner only', async () => {
    expect((await stat(join(dir, 'ca_certs/hub-ca/hub-ca.key'))).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'ca_certs/hub-ca/hub-ca.crt'))).mode & 0o777).toBe(0o644);
    expect((await stat(join(dir, 'secret.yaml'))).mode & 0o777).toBe(0o600);
  });
});

describe('hubcerts scan', () => {
  it('exits 0 with a table for a healthy hub', async () => {
    const result = await hubcerts(['scan', ...refs]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^CERTIFICATE\s+NOT AFTER\s+DAYS/);
    expect(result.stdout).toMatch(/status: OK/);
  });

  it('exits 1 when a certificate is inside the warning window', async () => {
    const result = await hubcerts(['scan', ...refs, '--warn-days=400']);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(
      /WARNING {2}EXPIRES_SOON: secret:proxy-client expires in 36[45] day/,
    );
  });

  it('exits 2 when the inventory names a node the certificate lacks', async () => {
    const drifted = join(dir, 'drifted.yaml');
    await writeInventory(drifted, inventoryOf(2, [...NODES, 'jwlogin06i']));
    const result = await hubcerts(['scan', ...refs, `--inventory=file:${drifted}`]);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/CRITICAL SAN_MISSING: .*DNS:jwlogin06i/);
  });

  it('exits 3 when a source cannot be read', async () => {
    const result = await hubcerts(['scan', `--store=dir:${dir}/nowhere`]);
    expect(result.code).toBe(3);
    expect(result.stdout).toMatch(
      /SOURCE_UNREADABLE: dir:.*nowhere cannot be read: no CA set is stored there/,
    );
  });

  it('prints the report of the contract with --json', async () => {
    const result = await hubcerts(['scan', ...refs, '--json']);
    const report = JSON.parse(result.stdout);

    expect(Object.keys(report)).toEqual(['status', 'checkedAt', 'certificates', 'findings']);
    expect(Object.keys(report.certificates[0])).toEqual([
      'id',
      'source',
      'subject',
      'issuer',
      'serial',
      'fingerprintSha256',
      'notBefore',
      'notAfter',
      'daysLeft',
      'sans',
    ]);
    expect(report.status).toBe('ok');
  });

  it('prints Prometheus text with --prometheus', async () => {
    const result = await hubcerts(['scan', ...refs, '--prometheus', '--warn-days=400']);
    expect(result.stdout).toMatch(/^# HELP hubcerts_scan_status/);
    expect(result.stdout).toMatch(/\nhubcerts_scan_status 1\n/);
    expect(result.stdout).toMatch(
      /hubcerts_certificate_days_left\{id="secret:proxy-client",source="file:[^"]+"\} 36[45]/,
    );
    expect(result.stdout).toMatch(/hubcerts_findings\{code="EXPIRES_SOON",severity="warning"\} 2/);
  });
});

describe('hubcerts reissue', () => {
  it('does nothing for an identical inventory', async () => {
    const result = await hubcerts(['reissue', ...refs]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/nothing to do: revision 1 is already in place/);
  });

  it('prints the SAN changes on --dry-run and writes nothing', async () => {
    const next = join(dir, 'next.yaml');
    await writeInventory(next, inventoryOf(2, [...NODES, 'jwlogin06i']));
    const before = await readFile(join(dir, 'secret.yaml'));
    const result = await hubcerts(['reissue', ...refs, `--inventory=file:${next}`, '--dry-run']);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^\+ DNS:jwlogin06i\nwould reissue proxy-client \(SAN_MISSING\)/);
    expect(await readFile(join(dir, 'secret.yaml'))).toEqual(before);
  });

  it(
    'refuses a removal without --allow-removal (exit 1) ' + 'and applies it with the flag',
    async () => {
      const fewer = join(dir, 'fewer.yaml');
      await writeInventory(fewer, inventoryOf(3, NODES.slice(0, 4)));
      const refused = await hubcerts(['reissue', ...refs, `--inventory=file:${fewer}`]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/drops DNS:jwlogin05i/);

      const allowed = await hubcerts([
        'reissue',
        ...refs,
        `--inventory=file:${fewer}`,
        '--allow-removal',
      ]);
      expect(allowed.code, allowed.stderr).toBe(0);
      expect(allowed.stdout).toMatch(/^- DNS:jwlogin05i\nproxy-client reissued for revision 3/);
      const scan = await hubcerts(['scan', ...refs, `--inventory=file:${fewer}`]);
      expect(scan.code, scan.stdout).toBe(0);
    },
  );

  it('answers an invalid inventory with exit 64 naming every bad name', async () => {
    const bad = join(dir, 'bad.yaml');
    await writeFile(
      bad,
      'revision: 4\nsystems:\n  - name: X\n    loginNodes: [ok, "*.wild", bad_name]\n',
    );
    const result = await hubcerts(['reissue', ...refs, `--inventory=file:${bad}`]);

    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/systems\[0\]\.loginNodes\[1\]/);
    expect(result.stderr).toMatch(/systems\[0\]\.loginNodes\[2\]/);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('hubcerts export', () => {
  it('prints a trust bundle from the store', async () => {
    const result = await hubcerts(['export', 'trust-bundle', 'notebooks-ca', ...refs]);
    expect(result.stdout).toBe(
      await readFile(join(dir, 'ca_certs/notebooks-ca_trust.crt'), 'utf8'),
    );
  });

  it('prints the Secret as a manifest without hubcerts annotations', async () => {
    const result = await hubcerts(['export', 'secret-manifest', ...refs, '--namespace=jupyterjsc']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/^apiVersion: v1\ndata:\n {2}certipy\.json: /);
    expect(result.stdout).toMatch(
      new RegExp(
        /\nkind: Secret\nmetadata:\n {2}creationTimestamp: null/.source +
          /\n {2}name: internal-ssl\n {2}namespace: jupyterjsc\n$/.source,
      ),
    );
  });
});

describe('usage', () => {
  it.each([
    [['scan', '--store=dir:x', '--nope'], /unknown option '--nope'/],
    [['frobnicate'], /unknown command "frobnicate"/],
    [['reissue', '--secret=file:x'], /needs --store/],
    [['export', 'trust-bundle', 'bogus-ca', '--store=dir:x'], /trust-bundle needs one of hub-ca/],
    [['scan', '--store=ftp:x'], /--store "ftp:x" has an unknown scheme; use one of dir:, tgz:/],
    [['scan', '--store=dir:x', '--warn-days=soon'], /--warn-days must be a whole number/],
  ])('answers %j with exit 64 and one sentence', async (args, message) => {
    const result = await hubcerts(args);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('puts the error on stdout as JSON with --json', async () => {
    const result = await hubcerts(['reissue', '--json']);
    expect(JSON.parse(result.stdout)).toEqual({
      error: { kind: 'UsageError', message: 'needs --store' },
    });
  });

  it.each(['init', 'scan', 'reissue', 'export'])(
    'documents every flag of %s in --help',
    async (command) => {
      const result = await hubcerts([command, '--help']);
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^usage: hubcerts ${command}`));
      expect(result.stdout).toMatch(/--store \(HUBCERTS_STORE\)/);
    },
  );
});
