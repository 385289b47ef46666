import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileFleetPages } from '../../lib/cluster/fleet-file.js';
import { listItems } from '../../lib/cluster/json-items.js';
import { type FleetSecret, scanFleet } from '../../lib/workflows/scan/fleet.js';
import { type HubFixture, makeHub, NOW, tempDir } from '../helpers/hub.js';

const THRESHOLDS = { warnDays: 30, criticalDays: 7, caWarnDays: 365, caCriticalDays: 90 };
let hub: HubFixture;
let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  hub = await makeHub(['jwlogin01i'], { leafDays: 20 });
  ({ dir, cleanup } = await tempDir('hubcerts-fleet-'));
});
afterAll(() => cleanup());

const b64 = (text: string) => Buffer.from(text).toString('base64');

function userSecret(i: number): FleetSecret {
  return {
    namespace: 'jupyterhub-users',
    name: `user-${i}`,
    data: {
      'ssl.crt': b64(hub.leaves['proxy-client'].cert),
      'ssl.key': b64(hub.leaves['proxy-client'].key),
      'notebooks-ca_trust.crt': b64(hub.set.bundles['notebooks-ca']),
    },
  };
}

function listDocument(items: unknown[]): string {
  return JSON.stringify(
    { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' }, items },
    null,
    2,
  );
}

/** Hands out `parts` one by one, as a stream hands out chunks or a list hands out pages. */
async function* pagesOf<T>(parts: readonly T[]) {
  for (const part of parts) yield part;
}

describe('streaming the items of a List dump', () => {
  it('yields the same items whatever the chunk boundaries', async () => {
    const items = [
      userSecret(1),
      { kind: 'Secret', metadata: { name: 'tricky "]}[{" name' }, data: {} },
    ];
    const text = listDocument(items);
    for (const size of [1, 2, 3, 7, 64, text.length]) {
      const chunks = Array.from({ length: Math.ceil(text.length / size) }, (_, i) =>
        text.slice(i * size, (i + 1) * size),
      );
      const seen: unknown[] = [];
      for await (const item of listItems(pagesOf(chunks), 'x')) seen.push(item);
      expect(seen, `chunk size ${size}`).toEqual(JSON.parse(text).items);
    }
  });

  it.each([
    [
      'a truncated document',
      '{"kind":"List","items":[{"a":1}',
      /ends in the middle of a JSON document/,
    ],
    ['a document without items', '{"kind":"Secret","data":{}}', /has no "items" array/],
    ['an item that is not JSON', '{"items":[{"a":tru}]}', /holds an item that is not valid JSON/],
  ])('refuses %s with one clear error', async (_, text, message) => {
    const run = async () => {
      for await (const _item of listItems(pagesOf([text]), 'file:dump.json')) {
        // drain
      }
    };
    await expect(run()).rejects.toThrow(message);
  });
});

describe('the fleet scan', () => {
  it('counts every certificate and keeps only those with findings', async () => {
    const page = Array.from({ length: 3 }, (_, i) => userSecret(i));
    const result = await scanFleet('k8s:jupyterhub-users', pagesOf([page]), THRESHOLDS, NOW);

    // Each Secret: one leaf (expiring in 20 days) and a bundle of two CAs (fine).
    expect(result.secrets).toBe(3);
    expect(result.certificates).toBe(9);
    expect(result.flagged.map((c) => c.id)).toEqual([
      'fleet:jupyterhub-users/user-0/ssl.crt',
      'fleet:jupyterhub-users/user-1/ssl.crt',
      'fleet:jupyterhub-users/user-2/ssl.crt',
    ]);
    expect(result.findings.map((f) => `${f.severity}:${f.code}`)).toEqual(
      Array(3).fill('warning:EXPIRES_SOON'),
    );
  });

  it('reads a kubectl dump from a file page by page', async () => {
    const path = join(dir, 'dump.json');
    await writeFile(
      path,
      listDocument(
        Array.from({ length: 7 }, (_, i) => ({
          kind: 'Secret',
          metadata: { name: `user-${i}`, namespace: 'u' },
          data: userSecret(i).data,
        })),
      ),
    );
    const pageSizes: number[] = [];
    async function* counted() {
      for await (const page of fileFleetPages(path, 4096)) {
        pageSizes.push(page.length);
        yield page;
      }
    }
    const result = await scanFleet(`file:${path}`, counted(), THRESHOLDS, NOW);

    // Each 4 KiB read completes one or two Secrets: several small pages, all items seen.
    expect(pageSizes.length).toBeGreaterThan(3);
    expect(pageSizes.reduce((a, b) => a + b, 0)).toBe(7);
    expect(result.certificates).toBe(21);
  });

  it('refuses a dump item that is not a Secret, naming it', async () => {
    const path = join(dir, 'mixed.json');
    await writeFile(
      path,
      listDocument([{ kind: 'ConfigMap', metadata: { name: 'cm' }, data: {} }]),
    );
    await expect(scanFleet('x', fileFleetPages(path), THRESHOLDS, NOW)).rejects.toThrow(
      /holds a ConfigMap \(cm\), not a Secret/,
    );
  });
});
