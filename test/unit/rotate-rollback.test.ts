import { beforeAll, describe, expect, it } from 'vitest';
import { caFingerprints, carries } from '../../lib/workflows/rotate/facts.js';
import {
  type ApplyResult,
  type RollbackResult,
  runRotation,
} from '../../lib/workflows/rotate/index.js';
import { type HubFixture, makeHub } from '../helpers/hub.js';
import {
  APPLY_JOURNAL_WRITES,
  applyRequest,
  crashPoints,
  NODES,
  plannedRotation,
  type RotationHub,
  rollbackRequest,
  secretProblems,
} from '../helpers/rotation.js';

/** Journal writes of one rollback: its start, start and end of five steps, completion. */
const ROLLBACK_WRITES = 12;
const APPLY_POINTS = crashPoints(APPLY_JOURNAL_WRITES);

let hub: HubFixture;

beforeAll(async () => {
  hub = await makeHub(NODES);
});

/** The hub holds exactly what it held before the rotation, everywhere. */
function expectOldState(h: RotationHub) {
  const current = h.store.versions.at(-1)!;
  expect(caFingerprints(current)).toEqual(caFingerprints(hub.set));
  const secret = h.secret.history.at(-1)!;
  expect(secret.data).toEqual(h.originalData);
  expect(secret.annotations).toEqual({ 'hubcerts.io/inventory-revision': '1' });
  expect(secretProblems(h.secret)).toEqual([]);
  expect(h.consumer.pem).toBe(hub.set.bundles['notebooks-ca']);
  expect(h.store.documents.docs.has('rotation-plan')).toBe(false);
}

describe('rotate rollback', () => {
  it('journals exactly the writes these tests stop at', async () => {
    // Prepare
    const { h, planId } = await plannedRotation(hub);
    await runRotation(applyRequest(planId), h.ctx);

    // Act
    await runRotation(rollbackRequest(planId), h.ctx);

    // Assess
    expect(h.documents.journalWrites).toBe(APPLY_JOURNAL_WRITES + ROLLBACK_WRITES);
  });

  it(
    'restores the old set everywhere after a completed rotation and restarts onto ' + 'it',
    async () => {
      // Prepare
      const { h, planId } = await plannedRotation(hub);
      const applied = (await runRotation(applyRequest(planId), h.ctx)) as ApplyResult;

      // Act
      const result = (await runRotation(rollbackRequest(planId), h.ctx)) as RollbackResult;

      // Assess
      expect(result.outcome).toBe('rolled-back');
      expectOldState(h);
      expect(h.store.versions).toHaveLength(3);
      const archive = await h.ctx.store.listArchive();
      const archived = await Promise.all(archive.map((e) => h.ctx.store.readArchive(e.id)));
      expect(archived.some((set) => carries(set, applied.new.cas))).toBe(true);
      expect(h.workloads.restarts.slice(-2)).toEqual([
        { workload: 'deployment/proxy', fingerprint: applied.old.proxyClient },
        { workload: 'deployment/hub', fingerprint: applied.old.proxyClient },
      ]);
      expect(result.journal.state).toBe('rolled-back');
      expect(result.todo[0]).toMatch(/^Restart every lab started while the new CAs were in place/);
    },
  );

  it('works from the completion record when the journal is gone', async () => {
    // Prepare
    const { h, planId } = await plannedRotation(hub);
    await runRotation(applyRequest(planId), h.ctx);
    h.store.documents.docs.delete('rotation-journal');

    // Act
    const result = (await runRotation(rollbackRequest(planId), h.ctx)) as RollbackResult;

    // Assess
    expect(result.outcome).toBe('rolled-back');
    expectOldState(h);
  });

  it('does nothing when asked again, and refuses to apply the rolled-back plan', async () => {
    // Prepare
    const { h, planId } = await plannedRotation(hub);
    await runRotation(applyRequest(planId), h.ctx);
    await runRotation(rollbackRequest(planId), h.ctx);
    const storeWrites = h.store.writes;

    // Act
    const again = (await runRotation(rollbackRequest(planId), h.ctx)) as RollbackResult;
    const apply = await runRotation(applyRequest(planId), h.ctx).catch((e) => e);

    // Assess
    expect(again.outcome).toBe('unchanged');
    expect(apply.code).toBe('ROLLED_BACK');
    expect(h.store.writes).toBe(storeWrites);
  });

  it.each(APPLY_POINTS)(
    'restores the old state from an apply stopped $when journal write $write',
    async (crashAt) => {
      // Prepare
      const { h, planId } = await plannedRotation(hub);
      h.documents.crashAt = crashAt;
      await runRotation(applyRequest(planId), h.ctx).catch(() => undefined);
      const journalled = h.store.documents.docs.has('rotation-journal');

      // Act
      const result = await runRotation(rollbackRequest(planId), h.ctx).catch((e) => e);

      // Assess: with no journal nothing had started, and nothing needs undoing.
      if (!journalled) {
        expect(result.code).toBe('NOTHING_TO_ROLL_BACK');
        expect(h.store.writes + h.secret.writes).toBe(0);
        return;
      }
      expect(result.outcome).toBe('rolled-back');
      expectOldState(h);
    },
  );

  it.each(Array.from({ length: ROLLBACK_WRITES }, (_, i) => i + 1))(
    'finishes a rollback that was stopped at its journal write %i when run again',
    async (write) => {
      // Prepare
      const { h, planId } = await plannedRotation(hub);
      await runRotation(applyRequest(planId), h.ctx);
      h.documents.crashAt = { write: APPLY_JOURNAL_WRITES + write, when: 'after' };

      // Act
      const crash = await runRotation(rollbackRequest(planId), h.ctx).catch((e) => e);
      const midway = secretProblems(h.secret);
      const result = (await runRotation(rollbackRequest(planId), h.ctx)) as RollbackResult;

      // Assess
      expect(crash).toBeInstanceOf(Error);
      expect(midway).toEqual([]);
      expect(result.outcome).toBe('rolled-back');
      expectOldState(h);
      expect(h.store.writes).toBe(2);
    },
  );
});
