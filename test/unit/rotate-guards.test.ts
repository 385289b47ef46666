import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toSecretData } from '../../lib/certset/secret.js';
import { JupyterHubApi } from '../../lib/cluster/hub-api.js';
import { GuardRefusal, LockHeldError } from '../../lib/errors.js';
import type { PlanResult, RotationRequest } from '../../lib/workflows/rotate/index.js';
import { runRotation } from '../../lib/workflows/rotate/index.js';
import { JupyterHubEmulator } from '../emulators/jupyterhub.js';
import { type HubFixture, inventoryOf, makeHub } from '../helpers/hub.js';
import {
  applyRequest,
  NODES,
  type RotationHub,
  rollbackRequest,
  rotationHub,
  writesOf,
} from '../helpers/rotation.js';

let hub: HubFixture;
let other: HubFixture;
let jupyterhub: JupyterHubEmulator;

beforeAll(async () => {
  [hub, other] = await Promise.all([makeHub(NODES), makeHub(['x'])]);
  jupyterhub = await JupyterHubEmulator.start();
  jupyterhub.addUser('dave', { servers: { '': {} } });
});

afterAll(async () => {
  await jupyterhub.close();
});

interface Case {
  name: string;
  code: string;
  /** Changes the world after the plan, before the apply. */
  prepare?: (h: RotationHub, planId: string) => Promise<void> | void;
  request: (planId: string) => RotationRequest;
}

const CASES: Case[] = [
  {
    name: 'no plan id',
    code: 'PLAN_ID_REQUIRED',
    request: (id) => applyRequest(id, { planId: undefined }),
  },
  {
    name: 'a wrong plan id',
    code: 'PLAN_MISMATCH',
    request: () => applyRequest('0123456789abcdef'),
  },
  {
    name: 'the id of a plan that was discarded and replaced',
    code: 'PLAN_MISMATCH',
    prepare: async (h, id) => {
      await runRotation({ action: 'discard', planId: id }, h.ctx);
      await runRotation({ action: 'plan', plannedBy: 'alice' }, h.ctx);
    },
    request: (id) => applyRequest(id),
  },
  {
    name: 'no confirmation',
    code: 'CONFIRMATION_REQUIRED',
    request: (id) => applyRequest(id, { confirm: undefined }),
  },
  {
    name: 'a confirmation naming another Secret',
    code: 'CONFIRMATION_MISMATCH',
    request: (id) => applyRequest(id, { confirm: 'rotate k8s:jupyterhub/internal-ssl' }),
  },
  {
    name: 'a confirmation that is almost right',
    code: 'CONFIRMATION_MISMATCH',
    request: (id) => applyRequest(id, { confirm: 'rotate memory:secret ' }),
  },
  {
    name: 'no approver',
    code: 'APPROVER_REQUIRED',
    request: (id) => applyRequest(id, { approvedBy: ' ' }),
  },
  {
    name: 'the planner as approver while two people are required',
    code: 'SAME_APPROVER',
    prepare: (h) => {
      h.ctx.twoPerson = true;
    },
    request: (id) => applyRequest(id, { approvedBy: 'Alice' }),
  },
  {
    name: 'a store that changed since the plan',
    code: 'STORE_CHANGED',
    prepare: async (h) => {
      await h.store.write(other.set, '1');
    },
    request: (id) => applyRequest(id),
  },
  {
    name: 'a Secret that changed since the plan',
    code: 'SECRET_CHANGED',
    prepare: async (h) => {
      await h.secret.write(toSecretData(hub.set, hub.leaves, 'internal-ssl'), {}, '1');
    },
    request: (id) => applyRequest(id),
  },
  {
    name: 'an inventory that changed since the plan',
    code: 'INVENTORY_CHANGED',
    prepare: (h) => {
      h.inventory.current = { inventory: inventoryOf(2, [...NODES, 'jwlogin03i']), version: '2' };
    },
    request: (id) => applyRequest(id),
  },
  {
    name: 'restart settings other than the plan’s',
    code: 'SETTINGS_CHANGED',
    prepare: (h) => {
      h.ctx.restart = ['deployment/proxy'];
    },
    request: (id) => applyRequest(id),
  },
  {
    name: 'running labs and no force',
    code: 'ACTIVE_SERVERS',
    prepare: (h) => {
      h.ctx.activeServers = new JupyterHubApi(jupyterhub.url, 'hub-token');
    },
    request: (id) => applyRequest(id),
  },
  {
    name: 'force without a reason',
    code: 'REASON_REQUIRED',
    prepare: (h) => {
      h.ctx.activeServers = new JupyterHubApi(jupyterhub.url, 'hub-token');
    },
    request: (id) => applyRequest(id, { force: true }),
  },
  {
    name: 'force with a reason against a store that changed',
    code: 'STORE_CHANGED',
    prepare: async (h) => {
      await h.store.write(other.set, '1');
    },
    request: (id) => applyRequest(id, { force: true, reason: 'maintenance window' }),
  },
];

async function planned(): Promise<{ h: RotationHub; planId: string }> {
  const h = rotationHub(hub);
  const result = (await runRotation({ action: 'plan', plannedBy: 'alice' }, h.ctx)) as PlanResult;
  return { h, planId: result.plan.planId };
}

describe('rotate apply guards', () => {
  it.each(CASES)('refuses $name ($code) and changes nothing', async (c) => {
    // Prepare
    const { h, planId } = await planned();
    await c.prepare?.(h, planId);
    const before = writesOf(h);

    // Act
    const refusal = await runRotation(c.request(planId), h.ctx).catch((e) => e);

    // Assess
    expect(refusal).toBeInstanceOf(GuardRefusal);
    expect(refusal.code).toBe(c.code);
    expect(writesOf(h)).toEqual(before);
    expect(writesOf(h)).toMatchObject({ journal: 0, snapshot: 0, consumer: 0, restarts: 0 });
  });

  it('refuses while another change holds the lock, and changes nothing', async () => {
    // Prepare
    const { h, planId } = await planned();
    const held = await h.ctx.publication.lock.acquire('reissue@elsewhere', 60);
    const before = writesOf(h);

    // Act
    const refusal = await runRotation(applyRequest(planId), h.ctx).catch((e) => e);

    // Assess
    expect(refusal).toBeInstanceOf(LockHeldError);
    expect(refusal.holder).toBe('reissue@elsewhere');
    expect(writesOf(h)).toEqual(before);
    await held.release();
  });

  it('refuses an apply when nothing was planned', async () => {
    // Prepare
    const h = rotationHub(hub);

    // Act
    const refusal = await runRotation(applyRequest('0123456789abcdef'), h.ctx).catch((e) => e);

    // Assess
    expect(refusal.code).toBe('NO_PLAN');
    expect(writesOf(h)).toMatchObject({ store: 0, secret: 0, journal: 0 });
  });

  it('lets force with a reason override running labs, and journals both', async () => {
    // Prepare
    const { h, planId } = await planned();
    h.ctx.activeServers = new JupyterHubApi(jupyterhub.url, 'hub-token');

    // Act
    const result = await runRotation(
      applyRequest(planId, { force: true, reason: 'labs of dave are test jobs' }),
      h.ctx,
    );

    // Assess
    expect(result.outcome).toBe('applied');
    const journal = JSON.parse(h.store.documents.docs.get('rotation-journal')!.text);
    expect(journal).toMatchObject({ force: true, reason: 'labs of dave are test jobs' });
  });

  it('lets the planner approve when two people are not required', async () => {
    // Prepare
    const { h, planId } = await planned();

    // Act
    const result = await runRotation(applyRequest(planId, { approvedBy: 'alice' }), h.ctx);

    // Assess
    expect(result.outcome).toBe('applied');
  });

  it('refuses a discard once an apply has started from the plan', async () => {
    // Prepare
    const { h, planId } = await planned();
    h.workloads.outcomes = [{ done: false, failed: true, message: 'CrashLoopBackOff' }];
    await runRotation(applyRequest(planId), h.ctx).catch(() => undefined);

    // Act
    const refusal = await runRotation({ action: 'discard', planId }, h.ctx).catch((e) => e);

    // Assess
    expect(refusal.code).toBe('ROTATION_IN_PROGRESS');
    expect(h.store.documents.docs.has('rotation-plan')).toBe(true);
  });
});

describe('rotate rollback guards', () => {
  it('refuses a rollback without the typed confirmation, and changes nothing', async () => {
    // Prepare
    const { h, planId } = await planned();
    await runRotation(applyRequest(planId), h.ctx);
    const before = writesOf(h);

    // Act
    const refusal = await runRotation(
      { ...rollbackRequest(planId), confirm: undefined },
      h.ctx,
    ).catch((e) => e);

    // Assess
    expect(refusal.code).toBe('CONFIRMATION_REQUIRED');
    expect(writesOf(h)).toEqual(before);
  });

  it('refuses a rollback of another plan than the last rotation', async () => {
    // Prepare
    const { h, planId } = await planned();
    await runRotation(applyRequest(planId), h.ctx);
    const before = writesOf(h);

    // Act
    const refusal = await runRotation(rollbackRequest('0123456789abcdef'), h.ctx).catch((e) => e);

    // Assess
    expect(refusal.code).toBe('PLAN_MISMATCH');
    expect(writesOf(h)).toEqual(before);
  });

  it('refuses a rollback when no rotation was ever applied', async () => {
    // Prepare
    const { h, planId } = await planned();

    // Act
    const refusal = await runRotation(rollbackRequest(planId), h.ctx).catch((e) => e);

    // Assess
    expect(refusal.code).toBe('NOTHING_TO_ROLL_BACK');
    expect(writesOf(h)).toMatchObject({ store: 0, secret: 0, journal: 0 });
  });
});
