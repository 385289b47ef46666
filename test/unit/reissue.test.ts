import { beforeAll, describe, expect, it } from 'vitest';
import { issueLeafFrom } from '../../lib/certset/caset.js';
import { fromSecretData, toSecretData } from '../../lib/certset/secret.js';
import { GuardRefusal, LockHeldError } from '../../lib/errors.js';
import { silentLogger } from '../../lib/log.js';
import { inspectPem } from '../../lib/pki/inspect.js';
import { desiredSans } from '../../lib/pki/names.js';
import {
  FINGERPRINT_ANNOTATION,
  REVISION_ANNOTATION,
  type ReissueContext,
  type ReissueRequest,
  runReissue,
} from '../../lib/workflows/reissue/index.js';
import { RolloutFailedError } from '../../lib/workflows/reissue/publish.js';
import { type HubFixture, inventoryOf, makeHub, NOW } from '../helpers/hub.js';
import {
  FakeWorkloads,
  MemoryInventory,
  MemorySecret,
  MemoryStore,
  memoryPublication,
} from '../helpers/memory.js';

const NODES = ['jwlogin01i', 'jwlogin02i', 'jwlogin03i', 'jwlogin04i', 'jwlogin05i'];
let hub: HubFixture;
let other: HubFixture;

beforeAll(async () => {
  [hub, other] = await Promise.all([makeHub(NODES), makeHub(['x'])]);
});

function setup(
  options: { revision?: number; workloads?: FakeWorkloads; secret?: MemorySecret } = {},
) {
  const store = new MemoryStore(hub.set);
  const annotations = { [REVISION_ANNOTATION]: String(options.revision ?? 1) };
  const secret =
    options.secret ??
    new MemorySecret(toSecretData(hub.set, hub.leaves, 'internal-ssl'), annotations);
  const record = new MemoryInventory();
  const ctx: ReissueContext = {
    store,
    publication: memoryPublication(secret, options.workloads),
    record,
    keyType: 'ec-p256',
    leafDays: 365,
    renewDays: 30,
    certipyPrefix: 'internal-ssl',
    maxRemovalShare: 0.2,
    restart: options.workloads ? ['deployment/proxy'] : [],
    lockWaitMs: 0,
    rolloutWaitMs: 1000,
    log: silentLogger,
    now: () => NOW,
  };
  return { store, secret, record, ctx };
}

const request = (
  revision: number,
  nodes: string[],
  extra: Partial<ReissueRequest> = {},
): ReissueRequest => ({
  inventory: inventoryOf(revision, nodes),
  who: 'test',
  ...extra,
});

const sansOf = (secret: MemorySecret) =>
  inspectPem(fromSecretData(secret.history.at(-1)!.data, 's').leaves['proxy-client'].cert).sans;

describe('reissue', () => {
  it('does nothing when the certificate already names the inventory, and records it', async () => {
    const { secret, record, ctx } = setup();
    const result = await runReissue(request(2, NODES), ctx);

    expect(result.outcome).toBe('unchanged');
    expect(result.reasons).toEqual([]);
    expect(secret.writes).toBe(0);
    expect(record.current?.inventory.revision).toBe(2);
  });

  it('issues a proxy-client naming a new login node and keeps everything else', async () => {
    const { secret, ctx } = setup();
    const result = await runReissue(request(2, [...NODES, 'jwlogin06i']), ctx);

    expect(result.outcome).toBe('applied');
    expect(result.reasons).toEqual(['SAN_MISSING']);
    expect(result.added).toEqual(['DNS:jwlogin06i']);
    expect(sansOf(secret)).toContain('DNS:jwlogin06i');
    const written = fromSecretData(secret.history.at(-1)!.data, 's');
    expect(written.caSet).toEqual(hub.set);
    expect(written.leaves['proxy-api']).toEqual(hub.leaves['proxy-api']);
    expect(secret.history.at(-1)!.annotations).toEqual({
      [REVISION_ANNOTATION]: '2',
      [FINGERPRINT_ANNOTATION]: result.fingerprint,
    });
  });

  it('refuses a change that drops a name without approval, and writes nothing', async () => {
    const { secret, record, ctx } = setup();
    const refusal = await runReissue(request(2, NODES.slice(0, 4)), ctx).catch((e) => e);

    expect(refusal).toBeInstanceOf(GuardRefusal);
    expect(refusal.code).toBe('REMOVAL_NOT_ALLOWED');
    expect(refusal.message).toMatch(/drops DNS:jwlogin05i/);
    expect(secret.writes).toBe(0);
    expect(record.current).toBeUndefined();
  });

  it('needs force as well when a change drops more than the allowed share', async () => {
    const { secret, ctx } = setup();
    const refusal = await runReissue(
      request(2, NODES.slice(0, 2), { allowRemoval: true }),
      ctx,
    ).catch((e) => e);
    expect(refusal.code).toBe('REMOVAL_TOO_LARGE');
    expect(secret.writes).toBe(0);

    const forced = await runReissue(
      request(2, NODES.slice(0, 2), { allowRemoval: true, force: true }),
      ctx,
    );
    expect(forced.removed).toEqual(['DNS:jwlogin03i', 'DNS:jwlogin04i', 'DNS:jwlogin05i']);
    expect(sansOf(secret)).not.toContain('DNS:jwlogin05i');
  });

  it('prints the SAN changes on a dry run and writes nothing', async () => {
    const { secret, record, ctx } = setup();
    const result = await runReissue(request(2, [...NODES, '10.1.2.3'], { dryRun: true }), ctx);

    expect(result.outcome).toBe('dry-run');
    expect(result.added).toEqual(['IP:10.1.2.3']);
    expect(secret.writes + (record.current ? 1 : 0)).toBe(0);
  });

  it('refuses a revision older than the applied one', async () => {
    const { secret, ctx } = setup({ revision: 7 });
    const refusal = await runReissue(request(6, [...NODES, 'new']), ctx).catch((e) => e);
    expect(refusal.code).toBe('REVISION_OLDER');
    expect(secret.writes).toBe(0);
  });

  it(
    'refuses the applied revision with other names, ' + 'and answers a replay with nothing to do',
    async () => {
      const { ctx } = setup({ revision: 7 });
      expect((await runReissue(request(7, [...NODES, 'new']), ctx).catch((e) => e)).code).toBe(
        'REVISION_REUSED',
      );
      expect((await runReissue(request(7, NODES), ctx)).outcome).toBe('unchanged');
    },
  );

  it('renews a certificate that is due, with the same names', async () => {
    const { secret, ctx } = setup();
    const later = new Date(NOW.getTime() + 340 * 86_400_000);
    const result = await runReissue(request(2, NODES), { ...ctx, now: () => later });

    // Both leaves were issued together, so the proxy-api is due as well.
    expect(result.reasons).toEqual(['EXPIRES_SOON', 'PROXY_API_DUE']);
    expect(secret.writes).toBe(1);
  });

  it('renews a due proxy-api together with the proxy-client, keeping the names', async () => {
    // Prepare: a proxy-api issued for 10 days beside a healthy proxy-client.
    const shortApi = await issueLeafFrom(hub.set, 'proxy-api', desiredSans(['hub'], []), {
      keySpec: 'ec-p256',
      days: 10,
      now: NOW,
    });
    const data = toSecretData(hub.set, { ...hub.leaves, 'proxy-api': shortApi }, 'internal-ssl');
    const secret = new MemorySecret(data, { [REVISION_ANNOTATION]: '1' });
    const { ctx } = setup({ secret });

    // Act
    const result = await runReissue(request(1, NODES), ctx);

    // Assess
    expect(result.reasons).toEqual(['PROXY_API_DUE']);
    const written = fromSecretData(secret.history.at(-1)!.data, 's');
    expect(inspectPem(written.leaves['proxy-api'].cert).notAfter.getTime()).toBeGreaterThan(
      NOW.getTime() + 300 * 86_400_000,
    );
    expect(inspectPem(written.leaves['proxy-api'].cert).sans).toEqual(
      inspectPem(shortApi.cert).sans,
    );
    expect(result.fingerprint).not.toBe(
      inspectPem(hub.leaves['proxy-client'].cert).fingerprintSha256,
    );
  });

  it('refuses to reissue into a Secret that holds another CA set', async () => {
    const secret = new MemorySecret(toSecretData(other.set, other.leaves, 'internal-ssl'));
    const { ctx } = setup({ secret });
    const refusal = await runReissue(request(2, NODES), ctx).catch((e) => e);
    expect(refusal.code).toBe('SECRET_STORE_DIVERGED');
    expect(secret.writes).toBe(0);
  });

  it('publishes a complete Secret when none exists yet', async () => {
    const secret = new MemorySecret();
    const { ctx } = setup({ secret });
    const result = await runReissue(request(1, NODES), ctx);

    expect(result.reasons).toEqual(['NO_CERTIFICATE']);
    const written = fromSecretData(secret.history.at(-1)!.data, 's');
    expect(inspectPem(written.leaves['proxy-api'].cert).sans).toEqual([
      'IP:127.0.0.1',
      'IP:::1',
      'DNS:localhost',
      'DNS:hub',
    ]);
  });

  it('restarts the workloads with the new fingerprint', async () => {
    const workloads = new FakeWorkloads();
    const { ctx } = setup({ workloads });
    const result = await runReissue(request(2, [...NODES, 'jwlogin06i']), ctx);

    expect(workloads.restarts).toEqual([
      { workload: 'deployment/proxy', fingerprint: result.fingerprint },
    ]);
    expect(result.restarted).toEqual(['deployment/proxy']);
  });

  it('restores the previous Secret and restarts onto it when the rollout fails', async () => {
    const workloads = new FakeWorkloads();
    workloads.outcomes = [{ done: false, failed: true, message: 'ProgressDeadlineExceeded' }];
    const { secret, ctx } = setup({ workloads });
    const before = secret.history[0]!;

    const error = await runReissue(request(2, [...NODES, 'jwlogin06i']), ctx).catch((e) => e);

    expect(error).toBeInstanceOf(RolloutFailedError);
    expect(error.restored).toBe(true);
    expect(secret.history.at(-1)!.data).toEqual(before.data);
    const oldFingerprint = inspectPem(hub.leaves['proxy-client'].cert).fingerprintSha256;
    expect(workloads.restarts.at(-1)).toEqual({
      workload: 'deployment/proxy',
      fingerprint: oldFingerprint,
    });
  });

  it('answers that the rollout is under way when it outlasts the wait', async () => {
    const workloads = new FakeWorkloads();
    workloads.outcomes = [{ done: false, failed: false, message: '1 of 2 updated' }];
    const { ctx } = setup({ workloads });
    const result = await runReissue(request(2, [...NODES, 'jwlogin06i']), ctx);
    expect(result.outcome).toBe('pending');
  });

  it('reads again and decides again when the Secret changed under it', async () => {
    const { secret, ctx } = setup();
    let raced = false;
    secret.beforeWrite = () => {
      if (raced) return;
      raced = true;
      const last = secret.history.at(-1)!;
      secret.history.push({ ...last, version: 'changed-by-someone' });
    };
    const result = await runReissue(request(2, [...NODES, 'jwlogin06i']), ctx);

    expect(result.outcome).toBe('applied');
    expect(secret.writes).toBe(1);
    expect(sansOf(secret)).toContain('DNS:jwlogin06i');
  });

  it('refuses at once when another change holds the lock', async () => {
    const { secret, ctx } = setup();
    const held = await ctx.publication.lock.acquire('rotateCa/plan-1', 60);
    const error = await runReissue(request(2, [...NODES, 'jwlogin06i']), ctx).catch((e) => e);
    await held.release();

    expect(error).toBeInstanceOf(LockHeldError);
    expect(error.message).toMatch(/locked by rotateCa\/plan-1/);
    expect(secret.writes).toBe(0);
  });
});
