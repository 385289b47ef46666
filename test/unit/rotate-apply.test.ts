import { beforeAll, describe, expect, it } from 'vitest';
import { buildCertipyStore, parseCertipyJson } from '../../lib/certset/certipy.js';
import { fromSecretData, toSecretData } from '../../lib/certset/secret.js';
import { jsonLogger } from '../../lib/log.js';
import { inspectPem } from '../../lib/pki/inspect.js';
import { certificatesIn } from '../../lib/pki/pem.js';
import { FINGERPRINT_ANNOTATION, REVISION_ANNOTATION } from '../../lib/workflows/reissue/index.js';
import { caFingerprints, carries } from '../../lib/workflows/rotate/facts.js';
import {
  type ApplyResult,
  type PlanResult,
  RotationStepError,
  runRotation,
} from '../../lib/workflows/rotate/index.js';
import { PLAN_ANNOTATION } from '../../lib/workflows/rotate/steps/publish-secret.js';
import { type HubFixture, makeHub } from '../helpers/hub.js';
import type { MemorySecret } from '../helpers/memory.js';
import {
  applyRequest,
  NODES,
  type RotationOptions,
  rotationHub,
  secretProblems,
  writesOf,
} from '../helpers/rotation.js';

let hub: HubFixture;

beforeAll(async () => {
  hub = await makeHub(NODES);
});

async function plannedHub(options: RotationOptions = {}) {
  const h = rotationHub(hub, options);
  const planned = (await runRotation({ action: 'plan', plannedBy: 'alice' }, h.ctx)) as PlanResult;
  return { h, planId: planned.plan.planId, planned };
}

const published = (secret: MemorySecret) => fromSecretData(secret.history.at(-1)!.data, secret.ref);

describe('rotate apply', () => {
  it(
    'moves the store, the Secret, the bundle copy and the workloads to the planned ' + 'set',
    async () => {
      // Prepare
      const { h, planId, planned } = await plannedHub();

      // Act
      const result = (await runRotation(applyRequest(planId), h.ctx)) as ApplyResult;

      // Assess
      expect(result).toMatchObject({ outcome: 'applied', planId, resumed: false });
      const plannedCas = Object.fromEntries(
        planned.plan.new.cas.map((c) => [c.name, c.fingerprint]),
      );
      expect(result.new.cas).toEqual(plannedCas);
      expect(h.store.versions).toHaveLength(2);
      expect(carries(h.store.versions[1]!, result.new.cas)).toBe(true);
      expect(carries(published(h.secret).caSet, result.new.cas)).toBe(true);
      expect(inspectPem(published(h.secret).leaves['proxy-client'].cert).fingerprintSha256).toBe(
        result.new.proxyClient,
      );
      expect(h.consumer.pem).toBe(h.store.versions[1]!.bundles['notebooks-ca']);
      expect(h.workloads.restarts).toEqual([
        { workload: 'deployment/proxy', fingerprint: result.new.proxyClient },
        { workload: 'deployment/hub', fingerprint: result.new.proxyClient },
      ]);
      expect(secretProblems(h.secret)).toEqual([]);
    },
  );

  it('keeps the old set in the archive, readable, and records where', async () => {
    // Prepare
    const { h, planId } = await plannedHub();

    // Act
    const result = (await runRotation(applyRequest(planId), h.ctx)) as ApplyResult;

    // Assess
    const archived = await h.ctx.store.readArchive(result.archiveId!);
    expect(caFingerprints(archived)).toEqual(caFingerprints(hub.set));
    expect(result.old.cas).toEqual(caFingerprints(hub.set));
    const last = JSON.parse(h.store.documents.docs.get('rotation-last')!.text);
    expect(last).toMatchObject({
      planId,
      state: 'completed',
      facts: { archiveId: result.archiveId },
    });
    expect(h.store.documents.docs.has('rotation-plan')).toBe(false);
  });

  it(
    'keeps the hub’s own certipy records and annotates the Secret with what was ' + 'applied',
    async () => {
      // Prepare
      const hubRecords = buildCertipyStore('internal-ssl');
      hubRecords['hub-internal'] = {
        serial: 0,
        is_ca: false,
        parent_ca: 'hub-ca',
        signees: null,
        files: { key: 'internal-ssl/hub-internal/hub-internal.key', cert: 'x.crt', ca: 'y.crt' },
      };
      const { h, planId } = await plannedHub();
      const data = toSecretData(hub.set, hub.leaves, 'internal-ssl', hubRecords);
      h.secret.history = [{ data, annotations: { 'example.org/owner': 'ops' }, version: '1' }];

      // Act
      const result = (await runRotation(applyRequest(planId), h.ctx)) as ApplyResult;

      // Assess
      const written = h.secret.history.at(-1)!;
      const certipy = parseCertipyJson(written.data['certipy.json']!.toString(), 'certipy.json');
      expect(certipy['hub-internal']).toEqual(hubRecords['hub-internal']);
      expect(written.annotations).toEqual({
        'example.org/owner': 'ops',
        [REVISION_ANNOTATION]: '1',
        [FINGERPRINT_ANNOTATION]: result.new.proxyClient,
        [PLAN_ANNOTATION]: planId,
      });
    },
  );

  it('lists what people must still do, starting with the running labs', async () => {
    // Prepare
    const { h, planId } = await plannedHub();

    // Act
    const result = (await runRotation(applyRequest(planId), h.ctx)) as ApplyResult;

    // Assess
    expect(result.todo[0]).toMatch(/^Restart every lab started before/);
    expect(result.todo.join('\n')).toContain('notebooks-ca_trust.crt');
    expect(result.todo.at(-1)).toContain(`rollback --plan-id ${planId}`);
  });

  it('changes nothing when the same apply arrives again, and says it was done', async () => {
    // Prepare
    const { h, planId } = await plannedHub();
    await runRotation(applyRequest(planId), h.ctx);
    const before = writesOf(h);

    // Act
    const again = (await runRotation(applyRequest(planId), h.ctx)) as ApplyResult;

    // Assess
    expect(again.outcome).toBe('unchanged');
    expect(again.message).toMatch(/already applied/);
    expect(writesOf(h)).toEqual(before);
  });

  it(
    'stops at verify while a probe serves the old certificate, and finishes once it serves ' +
      'the new',
    async () => {
      // Prepare
      let served = certificatesIn(hub.leaves['proxy-client'].cert)[0]!;
      const { h, planId } = await plannedHub({
        probes: ['jwlogin01i:443'],
        fetchServed: async () => served,
      });

      // Act
      const failure = await runRotation(applyRequest(planId), h.ctx).catch((e) => e);
      served = certificatesIn(published(h.secret).leaves['proxy-client'].cert)[0]!;
      const result = (await runRotation(applyRequest(planId), h.ctx)) as ApplyResult;

      // Assess
      expect(failure).toBeInstanceOf(RotationStepError);
      expect(failure.step).toBe('verify');
      expect(failure.message).toMatch(/ENDPOINT_MISMATCH.*run the same apply again to resume/s);
      expect(result).toMatchObject({ outcome: 'applied', resumed: true });
      expect(h.store.versions).toHaveLength(2);
    },
  );

  it('waits again on the next apply for a rollout that ran out of time', async () => {
    // Prepare
    const { h, planId } = await plannedHub();
    h.workloads.outcomes = [{ done: false, failed: false, message: '1 of 2 updated' }];

    // Act
    const failure = await runRotation(applyRequest(planId), h.ctx).catch((e) => e);
    const result = (await runRotation(applyRequest(planId), h.ctx)) as ApplyResult;

    // Assess
    expect(failure.step).toBe('restart');
    expect(failure.message).toMatch(/deployment\/proxy did not finish within 1 s/);
    expect(result.outcome).toBe('applied');
    expect(h.secret.writes).toBe(1);
  });

  it(
    'logs every step as JSON with the plan id, the approver, versions and ' + 'fingerprints',
    async () => {
      // Prepare
      const lines: string[] = [];
      const { h, planId } = await plannedHub({ log: jsonLogger((line) => lines.push(line)) });

      // Act
      const result = (await runRotation(
        applyRequest(planId, { reason: 'CA set expires in 2027' }),
        h.ctx,
      )) as ApplyResult;

      // Assess
      const logged = lines.map((line) => JSON.parse(line));
      const promoted = logged.find((l) => l.message === 'apply step promote done');
      expect(promoted).toMatchObject({
        level: 'info',
        planId,
        approvedBy: 'bob',
        plannedBy: 'alice',
        reason: 'CA set expires in 2027',
        archiveId: result.archiveId,
        storeVersion: '2',
      });
      const applying = logged.find((l) => l.message === 'applying rotation');
      expect(applying).toMatchObject({
        newHubCa: result.new.cas['hub-ca'],
        oldHubCa: result.old.cas['hub-ca'],
      });
      expect(lines.join('')).not.toContain('PRIVATE KEY');
    },
  );

  it('sends one summary to the alert sinks, without key material', async () => {
    // Prepare
    const posted: { url: string; body: string }[] = [];
    const fetch = (async (url: string | URL, init?: RequestInit) => {
      posted.push({ url: String(url), body: String(init?.body) });
      return new Response('ok', { status: 200 });
    }) as typeof globalThis.fetch;
    const { h, planId } = await plannedHub({ alerts: ['https://alerts.example.org/hook'], fetch });

    // Act
    await runRotation(applyRequest(planId), h.ctx);

    // Assess
    expect(posted).toHaveLength(1);
    const notice = JSON.parse(posted[0]!.body).notice;
    expect(notice.title).toBe(`CA rotation ${planId} completed`);
    expect(notice.lines.join('\n')).toContain('approved by bob');
    expect(posted[0]!.body).not.toContain('PRIVATE KEY');
  });
});
