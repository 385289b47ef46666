/**
 * Hub-state fixtures built with hubcerts' own library: a CA set, leaves, Secret data and
 * inventories, made fresh per test file. ECDSA P-256 keys keep generation fast where the
 * key type is not what a test is about.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCaSet, issueLeafFrom } from '../../lib/certset/caset.js';
import type { Inventory } from '../../lib/certset/inventory.js';
import type { CaSet, Leaves } from '../../lib/certset/model.js';
import type { KeySpec } from '../../lib/pki/keys.js';
import { desiredSans } from '../../lib/pki/names.js';

export const NOW = new Date('2026-12-03T12:00:00Z');

export interface HubFixture {
  set: CaSet;
  leaves: Leaves;
}

export function inventoryOf(revision: number, loginNodes: string[], names = ['hub']): Inventory {
  return { revision, names, systems: [{ name: 'JUWELS', loginNodes }] };
}

/** A CA set and both leaves; proxy-client names `loginNodes`. */
export async function makeHub(
  loginNodes: string[] = ['jwlogin01i', 'jwlogin02i'],
  options: { keySpec?: KeySpec; now?: Date; leafDays?: number; caDays?: number } = {},
): Promise<HubFixture> {
  const keySpec = options.keySpec ?? 'ec-p256';
  const now = options.now ?? NOW;
  const set = await createCaSet({ keySpec, caDays: options.caDays ?? 1826, now });
  const leafOptions = { keySpec, days: options.leafDays ?? 365, now };
  const leaves: Leaves = {
    'proxy-api': await issueLeafFrom(set, 'proxy-api', desiredSans(['hub'], []), leafOptions),
    'proxy-client': await issueLeafFrom(
      set,
      'proxy-client',
      desiredSans(['hub'], loginNodes),
      leafOptions,
    ),
  };
  return { set, leaves };
}

/** A temporary folder removed by the returned cleanup. */
export async function tempDir(
  prefix = 'hubcerts-',
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes an inventory document as YAML. */
export async function writeInventory(path: string, inventory: Inventory): Promise<void> {
  const lines = [
    `revision: ${inventory.revision}`,
    `names: [${inventory.names.join(', ')}]`,
    'systems:',
    ...inventory.systems.flatMap((s) => [
      `  - name: ${s.name}`,
      `    loginNodes: [${s.loginNodes.join(', ')}]`,
    ]),
    '',
  ];
  await writeFile(path, lines.join('\n'));
}
