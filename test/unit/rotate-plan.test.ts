import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inventorySans } from '../../lib/certset/inventory.js';
import { toSecretData } from '../../lib/certset/secret.js';
import { JupyterHubApi } from '../../lib/cluster/hub-api.js';
import { GuardRefusal } from '../../lib/errors.js';
import { jsonLogger } from '../../lib/log.js';
import { planIdOf } from '../../lib/workflows/rotate/facts.js';
import type { PlanResult, StatusResult } from '../../lib/workflows/rotate/index.js';
import { runRotation } from '../../lib/workflows/rotate/index.js';
import { JupyterHubEmulator } from '../emulators/jupyterhub.js';
import { type HubFixture, inventoryOf, makeHub } from '../helpers/hub.js';
import { NODES, rotationHub, writesOf } from '../helpers/rotation.js';

let hub: HubFixture;
let other: HubFixture;
let jupyterhub: JupyterHubEmulator;

beforeAll(async () => {
  [hub, other] = await Promise.all([makeHub(NODES), makeHub(['x'])]);
  jupyterhub = await JupyterHubEmulator.start();
});

afterAll(async () => {
  await jupyterhub.close();
});

const plan = (h: ReturnType<typeof rotationHub>, plannedBy = 'alice') =>
  runRotation(
    { action: 'plan', plannedBy, reason: 'CA set expires' },
    h.ctx,
  ) as Promise<PlanResult>;

describe('rotate plan', () => {
  it(
    'keeps a new CA set and leaves as the pending plan, touching nothing the hub ' + 'uses',
    async () => {
      // Prepare
      const h = rotationHub(hub);

      // Act
      const result = await plan(h);

      // Assess
      expect(result.outcome).toBe('planned');
      expect(writesOf(h)).toMatchObject({ store: 0, secret: 0, consumer: 0, restarts: 0 });
      const stored = JSON.parse(h.store.documents.docs.get('rotation-plan')!.text);
      expect(stored.id).toBe(result.plan.planId);
      expect(result.plan.plannedBy).toBe('alice');
      expect(result.plan.reason).toBe('CA set expires');
      expect(result.plan.new.cas.map((c) => c.name)).toEqual([
        'hub-ca',
        'notebooks-ca',
        'proxy-api-ca',
        'proxy-client-ca',
        'services-ca',
      ]);
      const client = result.plan.new.leaves.find((l) => l.name === 'proxy-client')!;
      expect(client.sans).toEqual(inventorySans(inventoryOf(1, NODES)));
      expect(result.plan.changes).toEqual({
        store: { ref: 'memory:store', version: '1' },
        secret: { ref: 'memory:secret', version: '1' },
        consumers: ['jobs/configmap/lab-trust#notebooks-ca_trust.crt'],
        workloads: ['deployment/proxy', 'deployment/hub'],
      });
      expect(result.next).toBe(
        `hubcerts rotate apply --plan-id ${result.plan.planId} --confirm "rotate ` +
          `memory:secret" --approved-by NAME`,
      );
    },
  );

  it(
    'puts private keys into the plan document only, never into the result or the ' + 'log',
    async () => {
      // Prepare
      const lines: string[] = [];
      const h = rotationHub(hub, { log: jsonLogger((line) => lines.push(line)) });

      // Act
      const result = await plan(h);

      // Assess
      expect(h.store.documents.docs.get('rotation-plan')!.text).toContain('PRIVATE KEY');
      expect(JSON.stringify(result)).not.toContain('PRIVATE KEY');
      expect(lines.join('')).not.toContain('PRIVATE KEY');
      expect(lines.some((l) => l.includes(result.plan.planId))).toBe(true);
    },
  );

  it(
    'derives the plan id from the store version, the pending CAs and the inventory ' + 'revision',
    async () => {
      // Prepare
      const h = rotationHub(hub);

      // Act
      const result = await plan(h);

      // Assess
      const pending = Object.fromEntries(result.plan.new.cas.map((c) => [c.name, c.fingerprint]));
      expect(result.plan.planId).toBe(planIdOf('1', pending as never, 1));
      expect(result.plan.planId).toMatch(/^[0-9a-f]{16}$/);
    },
  );

  it('refuses a second plan while one is pending, and keeps the first', async () => {
    // Prepare
    const h = rotationHub(hub);
    const first = await plan(h);
    const before = h.store.documents.docs.get('rotation-plan');

    // Act
    const refusal = await plan(h, 'carol').catch((e) => e);

    // Assess
    expect(refusal).toBeInstanceOf(GuardRefusal);
    expect(refusal.code).toBe('PLAN_PENDING');
    expect(refusal.message).toContain(first.plan.planId);
    expect(h.store.documents.docs.get('rotation-plan')).toBe(before);
  });

  it('makes a new plan once the pending one is discarded by its id', async () => {
    // Prepare
    const h = rotationHub(hub);
    const first = await plan(h);
    const wrong = await runRotation({ action: 'discard', planId: 'feedfeedfeedfeed' }, h.ctx).catch(
      (e) => e,
    );
    expect(wrong.code).toBe('PLAN_MISMATCH');

    // Act
    await runRotation({ action: 'discard', planId: first.plan.planId }, h.ctx);
    const second = await plan(h);

    // Assess
    expect(second.plan.planId).not.toBe(first.plan.planId);
    expect(JSON.parse(h.store.documents.docs.get('rotation-plan')!.text).id).toBe(
      second.plan.planId,
    );
  });

  it('names every running or starting lab from the JupyterHub API as a blocker', async () => {
    // Prepare
    jupyterhub.addUser('alice', { servers: { '': {} } });
    jupyterhub.addUser('bob', { servers: { gpu: { ready: false } } });
    jupyterhub.addUser('carol');
    const api = new JupyterHubApi(`${jupyterhub.url}/`, 'hub-token');
    const h = rotationHub(hub, { activeServers: api });

    // Act
    const result = await plan(h);

    // Assess
    expect(result.blockers).toHaveLength(1);
    expect(result.blockers[0]).toMatchObject({ code: 'ACTIVE_SERVERS', forceable: true });
    expect(result.blockers[0]!.message).toMatch(/^2 lab server\(s\).*alice, bob\/gpu/);
    expect(result.blockers[0]!.message).not.toContain('carol');
    const asked = jupyterhub.requests.at(-1)!;
    expect(asked.headers.accept).toContain('application/jupyterhub-pagination+json');
    expect(asked.headers.authorization).toBe('token hub-token');
    for (const user of ['alice', 'bob', 'carol']) jupyterhub.removeUser(user);
  });

  it('reads every page of a hub with more users than one page holds', async () => {
    // Prepare
    const names = Array.from({ length: 205 }, (_, i) => `user${i}`);
    for (const name of names) jupyterhub.addUser(name, { servers: { '': {} } });
    const api = new JupyterHubApi(jupyterhub.url, 'hub-token');

    // Act
    const servers = await api.list();

    // Assess
    expect(servers.map((s) => s.user).sort()).toEqual([...names].sort());
    for (const name of names) jupyterhub.removeUser(name);
  });

  it(
    'says running labs cannot be seen when the API refuses the token, without the ' + 'token',
    async () => {
      // Prepare
      const api = new JupyterHubApi(jupyterhub.url, 'wrong-token-123');
      const h = rotationHub(hub, { activeServers: api });

      // Act
      const result = await plan(h);

      // Assess
      expect(result.blockers.map((b) => b.code)).toEqual(['ACTIVE_SERVERS_UNKNOWN']);
      expect(result.blockers[0]!.message).toMatch(/token was refused/);
      expect(result.blockers[0]!.message).not.toContain('wrong-token-123');
    },
  );

  it('says running labs cannot be seen when HUB_API is not set', async () => {
    // Prepare
    const h = rotationHub(hub);
    h.ctx.activeServers = undefined;

    // Act
    const result = await plan(h);

    // Assess
    expect(result.blockers.map((b) => b.code)).toEqual(['ACTIVE_SERVERS_UNKNOWN']);
  });

  it('names a lock held by another change as a blocker', async () => {
    // Prepare
    const h = rotationHub(hub);
    const held = await h.ctx.publication.lock.acquire('reissue@elsewhere', 60);

    // Act
    const result = await plan(h);

    // Assess
    expect(result.blockers).toEqual([
      expect.objectContaining({ code: 'LOCK_HELD', forceable: false }),
    ]);
    expect(result.blockers[0]!.message).toContain('reissue@elsewhere');
    await held.release();
  });

  it('refuses to plan without an inventory, keeping no plan', async () => {
    // Prepare
    const h = rotationHub(hub);
    h.inventory.current = undefined;

    // Act
    const refusal = await plan(h).catch((e) => e);

    // Assess
    expect(refusal.code).toBe('NO_INVENTORY');
    expect(h.store.documents.docs.size).toBe(0);
  });

  it('refuses to plan while the Secret holds other CAs than the store', async () => {
    // Prepare
    const h = rotationHub(hub);
    h.secret.history.push({
      data: toSecretData(other.set, other.leaves, 'internal-ssl'),
      annotations: {},
      version: '2',
    });

    // Act
    const refusal = await plan(h).catch((e) => e);

    // Assess
    expect(refusal.code).toBe('SECRET_STORE_DIVERGED');
    expect(h.store.documents.docs.size).toBe(0);
  });
});

describe('rotate status', () => {
  it('shows the pending plan, the steps left, and that the store changed since', async () => {
    // Prepare
    const h = rotationHub(hub);
    const planned = await plan(h);
    await h.store.write(other.set, '1');

    // Act
    const status = (await runRotation({ action: 'status' }, h.ctx)) as StatusResult;

    // Assess
    expect(status.plan?.planId).toBe(planned.plan.planId);
    expect(status.journal).toBeUndefined();
    expect(status.remaining[0]).toBe('apply:snapshot');
    expect(status.remaining.at(-1)).toBe('apply:complete');
    expect(status.blockers.map((b) => b.code)).toContain('STORE_CHANGED');
    expect(JSON.stringify(status)).not.toContain('PRIVATE KEY');
  });

  it('says so when nothing was planned or applied', async () => {
    // Prepare
    const h = rotationHub(hub);

    // Act
    const status = (await runRotation({ action: 'status' }, h.ctx)) as StatusResult;

    // Assess
    expect(status).toMatchObject({
      remaining: [],
      blockers: [],
      message: 'no rotation planned or applied',
    });
  });
});
