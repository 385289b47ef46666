/**
 * Fixtures for CA-rotation tests: a hub on the memory backends with bundle copies, a
 * RotationContext over them, and fault injection that stops a run right before or right
 * after its Nth journal write, as a crash or a timeout would.
 */
import type { CaName } from '../../lib/certset/model.js';
import { fromSecretData, SECRET_NAMING, toSecretData } from '../../lib/certset/secret.js';
import { checkCaSet, checkLeaves } from '../../lib/certset/validate.js';
import type { ActiveServerSource } from '../../lib/cluster/hub-api.js';
import type { BundleConsumer } from '../../lib/cluster/types.js';
import { ConflictError } from '../../lib/errors.js';
import { type Logger, silentLogger } from '../../lib/log.js';
import type { CaStore, DocumentStore } from '../../lib/store/types.js';
import {
  type PlanResult,
  type RotationContext,
  type RotationRequest,
  runRotation,
} from '../../lib/workflows/rotate/index.js';
import { type HubFixture, inventoryOf, NOW } from './hub.js';
import {
  FakeWorkloads,
  MemoryInventory,
  MemorySecret,
  MemoryStore,
  memoryPublication,
} from './memory.js';

export const NODES = ['jwlogin01i', 'jwlogin02i'];

/** A trust-bundle copy in memory, counting its writes. */
export class MemoryConsumer implements BundleConsumer {
  writes = 0;
  constructor(
    readonly ref: string,
    readonly bundle: CaName,
    public pem: string | undefined,
  ) {}

  async read() {
    return this.pem === undefined ? null : { pem: this.pem, version: String(this.writes) };
  }

  async write(pem: string, expected: string | null) {
    const current = this.pem === undefined ? null : String(this.writes);
    if (current !== expected) throw new ConflictError(`${this.ref} changed`);
    this.writes++;
    this.pem = pem;
    return String(this.writes);
  }
}

/** Journal writes are counted; the Nth one fails, before or after it reaches the store. */
export interface CrashAt {
  write: number;
  when: 'before' | 'after';
}

/**
 * Journal writes of one complete apply (creation, start and end of six steps, completion);
 * the crash tests stop it at each of them.
 */
export const APPLY_JOURNAL_WRITES = 14;

/** A crash before and after each of the first `writes` journal writes. */
export function crashPoints(writes: number): CrashAt[] {
  return Array.from({ length: writes }, (_, i) => i + 1).flatMap((write) => [
    { write, when: 'before' as const },
    { write, when: 'after' as const },
  ]);
}

export class CrashingDocuments implements DocumentStore {
  journalWrites = 0;
  crashAt?: CrashAt;

  constructor(private readonly inner: DocumentStore) {}

  read(name: string) {
    return this.inner.read(name);
  }

  async write(name: string, text: string, expected: string | null) {
    if (name !== 'rotation-journal') return this.inner.write(name, text, expected);
    const n = ++this.journalWrites;
    const crash = this.crashAt?.write === n ? this.crashAt : undefined;
    if (crash?.when === 'before') {
      this.crashAt = undefined;
      throw new Error(`injected crash before journal write ${n}`);
    }
    const version = await this.inner.write(name, text, expected);
    if (crash) {
      this.crashAt = undefined;
      throw new Error(`injected crash after journal write ${n}`);
    }
    return version;
  }

  remove(name: string, expected: string) {
    return this.inner.remove(name, expected);
  }
}

/** The memory store seen through CrashingDocuments. */
function crashable(store: MemoryStore, documents: CrashingDocuments): CaStore {
  return {
    ref: store.ref,
    documents,
    read: () => store.read(),
    write: (set, expected) => store.write(set, expected),
    listArchive: () => store.listArchive(),
    readArchive: (id) => store.readArchive(id),
  };
}

export interface RotationHub {
  store: MemoryStore;
  documents: CrashingDocuments;
  secret: MemorySecret;
  workloads: FakeWorkloads;
  consumer: MemoryConsumer;
  inventory: MemoryInventory;
  originalData: Record<string, Buffer>;
  ctx: RotationContext;
}

export interface RotationOptions {
  activeServers?: ActiveServerSource;
  twoPerson?: boolean;
  log?: Logger;
  probes?: string[];
  fetchServed?: (target: string) => Promise<Buffer>;
  alerts?: string[];
  fetch?: typeof fetch;
}

/** A hub in memory with one bundle copy and two workloads to restart. */
export function rotationHub(hub: HubFixture, options: RotationOptions = {}): RotationHub {
  const store = new MemoryStore(hub.set);
  const documents = new CrashingDocuments(store.documents);
  const originalData = toSecretData(hub.set, hub.leaves, 'internal-ssl');
  const secret = new MemorySecret(originalData, { 'hubcerts.io/inventory-revision': '1' });
  const workloads = new FakeWorkloads();
  const consumer = new MemoryConsumer(
    'jobs/configmap/lab-trust#notebooks-ca_trust.crt',
    'notebooks-ca',
    hub.set.bundles['notebooks-ca'],
  );
  const inventory = new MemoryInventory();
  inventory.current = { inventory: inventoryOf(1, NODES), version: '1' };
  const ctx: RotationContext = {
    store: crashable(store, documents),
    publication: memoryPublication(secret, workloads),
    inventory,
    consumers: [consumer],
    activeServers: options.activeServers ?? { ref: 'none', list: async () => [] },
    keyType: 'ec-p256',
    caDays: 1826,
    leafDays: 365,
    certipyPrefix: 'internal-ssl',
    restart: ['deployment/proxy', 'deployment/hub'],
    probes: options.probes ?? [],
    twoPerson: options.twoPerson ?? false,
    rolloutWaitMs: 1000,
    hub: 'test',
    alerts: options.alerts ?? [],
    actor: 'tester@test/1',
    log: options.log ?? silentLogger,
    now: () => NOW,
    fetchServed: options.fetchServed,
    fetch: options.fetch,
  };
  return { store, documents, secret, workloads, consumer, inventory, originalData, ctx };
}

/** An apply request that passes every guard of a plan made by `alice`. */
export function applyRequest(
  planId: string,
  extra: Partial<RotationRequest> = {},
): RotationRequest {
  return {
    action: 'apply',
    planId,
    confirm: 'rotate memory:secret',
    approvedBy: 'bob',
    ...extra,
  };
}

export function rollbackRequest(planId: string): RotationRequest {
  return { action: 'rollback', planId, confirm: 'rollback memory:secret', approvedBy: 'bob' };
}

/** Every write any backend of the hub has taken, to show that a refusal changed nothing. */
export function writesOf(h: RotationHub): Record<string, number> {
  return {
    store: h.store.writes,
    secret: h.secret.writes,
    consumer: h.consumer.writes,
    restarts: h.workloads.restarts.length,
    journal: h.store.documents.docs.has('rotation-journal') ? 1 : 0,
    snapshot: h.store.documents.docs.has('rotation-snapshot') ? 1 : 0,
  };
}

/** Problems of the Secret as mounted now: a key that does not match, a broken chain. */
export function secretProblems(secret: MemorySecret): string[] {
  const current = fromSecretData(secret.history.at(-1)!.data, secret.ref);
  return [
    ...checkCaSet(current.caSet, secret.ref, SECRET_NAMING),
    ...checkLeaves(current.caSet, current.leaves, secret.ref, SECRET_NAMING),
  ].map((p) => p.message);
}

/** A rotation hub with a plan made by alice, and the plan's id. */
export async function plannedRotation(
  hub: HubFixture,
): Promise<{ h: RotationHub; planId: string }> {
  const h = rotationHub(hub);
  const result = (await runRotation({ action: 'plan', plannedBy: 'alice' }, h.ctx)) as PlanResult;
  return { h, planId: result.plan.planId };
}
