import { beforeAll, describe, expect, it } from 'vitest';
import { fromSecretData } from '../../lib/certset/secret.js';
import { caFingerprints, carries } from '../../lib/workflows/rotate/facts.js';
import { type ApplyResult, runRotation } from '../../lib/workflows/rotate/index.js';
import { type HubFixture, makeHub } from '../helpers/hub.js';
import {
  APPLY_JOURNAL_WRITES,
  applyRequest,
  crashPoints,
  NODES,
  plannedRotation,
  secretProblems,
} from '../helpers/rotation.js';

const POINTS = crashPoints(APPLY_JOURNAL_WRITES);

let hub: HubFixture;

beforeAll(async () => {
  hub = await makeHub(NODES);
});

describe('rotate apply after a crash', () => {
  it('journals exactly the writes these tests stop at', async () => {
    // Prepare
    const { h, planId } = await plannedRotation(hub);

    // Act
    await runRotation(applyRequest(planId), h.ctx);

    // Assess
    expect(h.documents.journalWrites).toBe(APPLY_JOURNAL_WRITES);
  });

  it.each(POINTS)(
    'converges on the planned set when stopped $when journal write $write',
    async (crashAt) => {
      // Prepare
      const { h, planId } = await plannedRotation(hub);
      h.documents.crashAt = crashAt;
      const oldCas = caFingerprints(hub.set);

      // Act
      const crash = await runRotation(applyRequest(planId), h.ctx).catch((e) => e);
      const midway = fromSecretData(h.secret.history.at(-1)!.data, 'secret');
      const midwayProblems = secretProblems(h.secret);
      const result = (await runRotation(applyRequest(planId), h.ctx)) as ApplyResult;

      // Assess: the crash happened, the Secret was usable throughout, the end is the plan.
      expect(crash).toBeInstanceOf(Error);
      expect(midwayProblems).toEqual([]);
      expect(carries(midway.caSet, oldCas) || carries(midway.caSet, result.new.cas)).toBe(true);
      expect(result.outcome).toBe('applied');
      expect(h.store.versions).toHaveLength(2);
      expect(carries(h.store.versions[1]!, result.new.cas)).toBe(true);
      expect(carries(await h.ctx.store.readArchive(result.archiveId!), oldCas)).toBe(true);
      expect(
        carries(fromSecretData(h.secret.history.at(-1)!.data, 's').caSet, result.new.cas),
      ).toBe(true);
      expect(secretProblems(h.secret)).toEqual([]);
      expect(h.secret.writes).toBe(1);
      expect(h.consumer.pem).toBe(h.store.versions[1]!.bundles['notebooks-ca']);
      expect(h.store.documents.docs.has('rotation-plan')).toBe(false);
      expect(JSON.parse(h.store.documents.docs.get('rotation-journal')!.text).state).toBe(
        'completed',
      );
    },
  );

  it('publishes on the next apply when writing the Secret failed once', async () => {
    // Prepare
    const { h, planId } = await plannedRotation(hub);
    let failures = 1;
    h.secret.beforeWrite = () => {
      if (failures-- > 0) throw new Error('connection reset by the API server');
    };

    // Act
    const failure = await runRotation(applyRequest(planId), h.ctx).catch((e) => e);
    const afterFailure = secretProblems(h.secret);
    const result = (await runRotation(applyRequest(planId), h.ctx)) as ApplyResult;

    // Assess
    expect(failure.step).toBe('publish-secret');
    expect(failure.message).toContain('connection reset');
    expect(afterFailure).toEqual([]);
    expect(result).toMatchObject({ outcome: 'applied', resumed: true });
    expect(h.store.versions).toHaveLength(2);
  });

  it('takes the snapshot again when the Secret changed while the apply was stopped', async () => {
    // Prepare
    const { h, planId } = await plannedRotation(hub);
    h.documents.crashAt = { write: 5, when: 'before' };
    await runRotation(applyRequest(planId), h.ctx).catch(() => undefined);
    const current = h.secret.history.at(-1)!;
    await h.secret.write(
      current.data,
      { ...current.annotations, 'example.org/touched': 'yes' },
      current.version,
    );

    // Act
    await runRotation(applyRequest(planId), h.ctx);

    // Assess
    const snapshot = JSON.parse(h.store.documents.docs.get('rotation-snapshot')!.text);
    expect(snapshot.annotations['example.org/touched']).toBe('yes');
  });
});
