/**
 * The shapes of a CA rotation: the request, what the workflow needs (backends, settings),
 * the documents it keeps in the store (plan, journal, snapshot, last), and the results it
 * hands back. Results and logs carry fingerprints, versions and references only: the keys
 * of the pending set live in the plan document and nowhere else.
 */
import type { Publication } from '../../backends.js';
import type { CaName, CaSet, Leaves } from '../../certset/model.js';
import type { ActiveServerSource } from '../../cluster/hub-api.js';
import type { BundleConsumer } from '../../cluster/types.js';
import type { Logger } from '../../log.js';
import type { KeySpec } from '../../pki/keys.js';
import type { CaStore, InventorySource } from '../../store/types.js';

/** The actions of `hubcerts rotate` and of the `rotateCa` event. */
export const ACTIONS = ['plan', 'apply', 'status', 'rollback', 'discard'] as const;
export type RotationAction = (typeof ACTIONS)[number];

/** What a person asked for; every field but `action` is optional and checked per action. */
export interface RotationRequest {
  action: RotationAction;
  planId?: string;
  confirm?: string;
  approvedBy?: string;
  /** Who plans; compared with `approvedBy` when two people are required. */
  plannedBy?: string;
  reason?: string;
  force?: boolean;
}

/** The backends and settings a rotation works with. */
export interface RotationContext {
  store: CaStore;
  publication: Publication;
  /** The accepted inventory; a plan needs it for the SANs of the new leaves. */
  inventory?: InventorySource;
  consumers: readonly BundleConsumer[];
  /** JupyterHub's REST API; absent when HUB_API is not set. */
  activeServers?: ActiveServerSource;
  keyType: KeySpec;
  caDays: number;
  leafDays: number;
  certipyPrefix: string;
  restart: readonly string[];
  probes: readonly string[];
  twoPerson: boolean;
  rolloutWaitMs: number;
  hub: string;
  alerts: readonly string[];
  /** The process doing the work (`user@host/pid`, `lambda:rotateCa/<request id>`). */
  actor: string;
  log: Logger;
  now: () => Date;
  /** Fetches the certificate a probe serves; the TLS prober unless a test replaces it. */
  fetchServed?: (target: string) => Promise<Buffer>;
  /** Used to post alert notices; the global fetch unless a test replaces it. */
  fetch?: typeof fetch;
}

/** Steps of an apply, in order; each is journalled before and after it runs. */
export const APPLY_STEPS = [
  'snapshot',
  'promote',
  'publish-secret',
  'publish-consumers',
  'restart',
  'verify',
] as const;
export type ApplyStep = (typeof APPLY_STEPS)[number];

/** Steps of a rollback, in order. */
export const ROLLBACK_STEPS = [
  'restore-store',
  'restore-secret',
  'restore-consumers',
  'restart',
  'verify',
] as const;
export type RollbackStep = (typeof ROLLBACK_STEPS)[number];

/** Fingerprints (SHA-256) of the five CAs and the proxy-client of one side of a rotation. */
export interface SideFacts {
  cas: Record<CaName, string>;
  proxyClient: string;
}

/** The `rotation-plan` document. It holds the pending keys, so it is never shown whole. */
export interface PlanDocument {
  kind: 'hubcerts/rotation-plan';
  id: string;
  hub: string;
  createdAt: string;
  plannedBy: string;
  plannedOn: string;
  reason?: string;
  store: { ref: string; version: string };
  secret: { ref: string; version: string };
  inventoryRevision: number;
  consumers: string[];
  restart: string[];
  old: SideFacts;
  pending: { set: CaSet; leaves: Leaves };
}

/** Where the latest rotation stands. */
export type JournalState = 'applying' | 'completed' | 'rolling-back' | 'rolled-back';

/** One line of the journal: a step started, finished, or failed. */
export interface JournalEntry {
  at: string;
  phase: 'apply' | 'rollback';
  step: string;
  status: 'started' | 'done' | 'failed';
  by: string;
  facts?: Record<string, string | number | boolean | string[] | null>;
  message?: string;
}

/** What the steps learnt, kept so a resumed apply or a rollback need not guess. */
export interface JournalFacts {
  snapshotVersion?: string;
  archiveId?: string;
  storeVersion?: string;
  secretVersion?: string;
}

/** The `rotation-journal` document (and, once completed, the `rotation-last` copy). */
export interface JournalDocument {
  kind: 'hubcerts/rotation-journal';
  planId: string;
  hub: string;
  state: JournalState;
  store: string;
  secret: string;
  plannedBy: string;
  approvedBy: string;
  reason?: string;
  force: boolean;
  planStoreVersion: string;
  inventoryRevision: number;
  consumers: string[];
  restart: string[];
  old: SideFacts;
  new: SideFacts;
  facts: JournalFacts;
  startedAt: string;
  completedAt?: string;
  rollback?: { by: string; reason?: string; startedAt: string; completedAt?: string };
  entries: JournalEntry[];
}

/** The `rotation-snapshot` document: the Secret as it was before the rotation touched it. */
export interface SnapshotDocument {
  kind: 'hubcerts/rotation-snapshot';
  planId: string;
  takenAt: string;
  secretVersion: string;
  proxyClient: string;
  annotations: Record<string, string>;
  /** Base64 of every Secret value, keys included: the store is where keys are kept. */
  data: Record<string, string>;
}

/** Something that stands in the way of an apply, named for logs, reports and tests. */
export interface Blocker {
  code: string;
  message: string;
  /** True when `force` with a reason may override it. */
  forceable: boolean;
}
