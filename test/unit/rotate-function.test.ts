import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { rotate } from '../../functions/rotateCa.js';
import { resetColdStart } from '../../functions/shared/runtime.js';
import { toSecretData } from '../../lib/certset/secret.js';
import { FileSecret } from '../../lib/cluster/file.js';
import { DirStore } from '../../lib/store/dir.js';
import { parseRotationRequest } from '../../lib/workflows/rotate/index.js';
import { JupyterHubEmulator } from '../emulators/jupyterhub.js';
import { REPO } from '../helpers/cli.js';
import { inventoryOf, makeHub, tempDir, writeInventory } from '../helpers/hub.js';

let dir: string;
let cleanup: () => Promise<void>;
let jupyterhub: JupyterHubEmulator;
const saved = { ...process.env };
const stdout: string[] = [];

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('hubcerts-rotate-fn-'));
  jupyterhub = await JupyterHubEmulator.start();
  const hub = await makeHub(['jwlogin01i']);
  await new DirStore(join(dir, 'ca_certs')).write(hub.set, null, { who: 'test', why: 'init' });
  await new FileSecret(join(dir, 'secret.yaml')).write(
    toSecretData(hub.set, hub.leaves, 'internal-ssl'),
    {},
    null,
  );
  await writeInventory(join(dir, 'inventory.yaml'), inventoryOf(1, ['jwlogin01i']));
  Object.assign(process.env, {
    HUBCERTS_STORE: `dir:${dir}/ca_certs`,
    HUBCERTS_SECRET: `file:${dir}/secret.yaml`,
    HUBCERTS_INVENTORY: `file:${dir}/inventory.yaml`,
    HUBCERTS_KEY_TYPE: 'ec-p256',
    HUBCERTS_HUB_API: jupyterhub.url,
    HUBCERTS_HUB_API_TOKEN: 'hub-token',
  });
  resetColdStart();
  vi.spyOn(process.stdout, 'write').mockImplementation((line) => {
    stdout.push(String(line));
    return true;
  });
});

afterEach(() => {
  resetColdStart();
});

afterAll(async () => {
  vi.restoreAllMocks();
  process.env = saved;
  await jupyterhub.close();
  await cleanup();
});

const context = { awsRequestId: 'req-1' };

async function snapshotFiles() {
  const names = (await readdir(dir)).sort();
  const secret = await readFile(join(dir, 'secret.yaml'), 'utf8');
  return { names, secret };
}

describe('rotateCa function', () => {
  it.each([
    { event: [], field: '(event)' },
    { event: { action: 'launch' }, field: 'action' },
    { event: { action: 7 }, field: 'action' },
    { event: { action: 'apply', planId: 42 }, field: 'planId' },
    { event: { action: 'apply', confirm: ['rotate'] }, field: 'confirm' },
    { event: { action: 'apply', approvedBy: false }, field: 'approvedBy' },
    { event: { action: 'apply', reason: {} }, field: 'reason' },
    { event: { action: 'apply', force: 'yes' }, field: 'force' },
    { event: { action: 'apply', approvedby: 'bob' }, field: '"approvedby"' },
  ])('refuses an event with a bad $field and changes nothing', async ({ event, field }) => {
    // Prepare
    const before = await snapshotFiles();

    // Act
    const result = await rotate(event, context);

    // Assess
    expect(result).toMatchObject({ outcome: 'refused', code: 'INVALID_REQUEST' });
    expect((result as { message: string }).message).toContain(`field ${field}`);
    expect(await snapshotFiles()).toEqual(before);
  });

  it('accepts each sample event of events/', async () => {
    // Prepare
    const names = ['plan', 'apply', 'status', 'rollback'];

    // Act
    const parsed = await Promise.all(
      names.map(async (name) =>
        parseRotationRequest(
          JSON.parse(await readFile(join(REPO, 'events', `rotateCa-${name}.json`), 'utf8')),
        ),
      ),
    );

    // Assess
    expect(parsed.map((p) => p.action)).toEqual(names);
  });

  it('plans, refuses a wrong confirmation as a result, applies and reports status', async () => {
    // Prepare
    const planned = (await rotate({ action: 'plan', plannedBy: 'alice' }, context)) as {
      plan: { planId: string };
      blockers: unknown[];
    };
    const planId = planned.plan.planId;
    const apply = { action: 'apply', planId, approvedBy: 'bob', reason: 'window' };

    // Act
    const refused = await rotate(
      { ...apply, confirm: 'rotate k8s:jupyterhub/internal-ssl' },
      context,
    );
    const applied = await rotate({ ...apply, confirm: `rotate file:${dir}/secret.yaml` }, context);
    const status = await rotate({ action: 'status' }, context);

    // Assess
    expect(planned.blockers).toEqual([]);
    expect(refused).toMatchObject({ outcome: 'refused', code: 'CONFIRMATION_MISMATCH' });
    expect(applied).toMatchObject({ outcome: 'applied', planId });
    expect(status).toMatchObject({ outcome: 'status', journal: { planId, state: 'completed' } });
    expect(stdout.join('')).toContain('"requestId":"req-1"');
    expect(stdout.join('')).not.toContain('PRIVATE KEY');
  });
});
