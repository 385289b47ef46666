/**
 * What a person sees of a plan and a journal: fingerprints, validity, references and
 * versions, never a key. Used by plan, status and the results of apply and rollback.
 */
import { CA_NAMES, LEAF_NAMES } from '../../certset/model.js';
import { inspectPem } from '../../pki/inspect.js';
import type { JournalDocument, PlanDocument, SideFacts } from './model.js';

/** One certificate as people compare it. */
export interface CertificateFacts {
  name: string;
  fingerprint: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  sans?: string[];
}

/** A plan without its keys. */
export interface PlanSummary {
  planId: string;
  hub: string;
  createdAt: string;
  plannedBy: string;
  plannedOn: string;
  reason?: string;
  inventoryRevision: number;
  old: SideFacts;
  new: { cas: CertificateFacts[]; leaves: CertificateFacts[] };
  /** Everything an apply changes. */
  changes: {
    store: { ref: string; version: string };
    secret: { ref: string; version: string };
    consumers: string[];
    workloads: string[];
  };
}

/** A journal as shown to people (it holds no keys). */
export interface JournalSummary {
  planId: string;
  state: JournalDocument['state'];
  plannedBy: string;
  approvedBy: string;
  reason?: string;
  force: boolean;
  startedAt: string;
  completedAt?: string;
  rollback?: JournalDocument['rollback'];
  old: SideFacts;
  new: SideFacts;
  facts: JournalDocument['facts'];
  entries: JournalDocument['entries'];
}

/** The plan as it may be shown and logged. */
export function summarisePlan(plan: PlanDocument): PlanSummary {
  const facts = (name: string, pem: string, withSans: boolean): CertificateFacts => {
    const info = inspectPem(pem, `${name} of plan ${plan.id}`);
    return {
      name,
      fingerprint: info.fingerprintSha256,
      serial: info.serial,
      notBefore: info.notBefore.toISOString(),
      notAfter: info.notAfter.toISOString(),
      ...(withSans ? { sans: info.sans } : {}),
    };
  };
  return {
    planId: plan.id,
    hub: plan.hub,
    createdAt: plan.createdAt,
    plannedBy: plan.plannedBy,
    plannedOn: plan.plannedOn,
    ...(plan.reason ? { reason: plan.reason } : {}),
    inventoryRevision: plan.inventoryRevision,
    old: plan.old,
    new: {
      cas: CA_NAMES.map((ca) => facts(ca, plan.pending.set.cas[ca].cert, false)),
      leaves: LEAF_NAMES.map((leaf) => facts(leaf, plan.pending.leaves[leaf].cert, true)),
    },
    changes: {
      store: plan.store,
      secret: plan.secret,
      consumers: plan.consumers,
      workloads: plan.restart,
    },
  };
}

/** The journal as it may be shown and logged. */
export function summariseJournal(journal: JournalDocument): JournalSummary {
  return {
    planId: journal.planId,
    state: journal.state,
    plannedBy: journal.plannedBy,
    approvedBy: journal.approvedBy,
    ...(journal.reason ? { reason: journal.reason } : {}),
    force: journal.force,
    startedAt: journal.startedAt,
    ...(journal.completedAt ? { completedAt: journal.completedAt } : {}),
    ...(journal.rollback ? { rollback: journal.rollback } : {}),
    old: journal.old,
    new: journal.new,
    facts: journal.facts,
    entries: journal.entries,
  };
}
