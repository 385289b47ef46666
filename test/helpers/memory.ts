/**
 * In-memory backends implementing the workflow interfaces, for unit tests of workflows.
 * They keep every write so tests can assert that nothing was written.
 */
import type { Publication } from '../../lib/backends.js';
import type { Inventory } from '../../lib/certset/inventory.js';
import { caSetToFiles } from '../../lib/certset/layout.js';
import type { CaSet } from '../../lib/certset/model.js';
import type {
  PublishedSecret,
  RolloutState,
  SecretTarget,
  Workloads,
} from '../../lib/cluster/types.js';
import { ConflictError, LockHeldError } from '../../lib/errors.js';
import type {
  ArchiveEntry,
  CaStore,
  DocumentStore,
  InventorySource,
  StoredCaSet,
  StoredDocument,
} from '../../lib/store/types.js';

/** Documents in a map, with the conditional-write rules of the real stores. */
export class MemoryDocuments implements DocumentStore {
  docs = new Map<string, StoredDocument>();
  writes = 0;
  private counter = 0;

  async read(name: string) {
    return this.docs.get(name) ?? null;
  }

  async write(name: string, text: string, expected: string | null) {
    if ((this.docs.get(name)?.version ?? null) !== expected)
      throw new ConflictError(`${name} changed`);
    this.writes++;
    const version = String(++this.counter);
    this.docs.set(name, { text, version });
    return version;
  }

  async remove(name: string, expected: string) {
    if (this.docs.get(name)?.version !== expected) throw new ConflictError(`${name} changed`);
    this.docs.delete(name);
  }
}

export class MemoryStore implements CaStore {
  readonly ref = 'memory:store';
  readonly documents = new MemoryDocuments();
  versions: CaSet[] = [];
  writes = 0;

  constructor(initial?: CaSet) {
    if (initial) this.versions.push(initial);
  }

  async read(): Promise<StoredCaSet | null> {
    const set = this.versions.at(-1);
    return set
      ? {
          set: structuredClone(set),
          version: String(this.versions.length),
          files: caSetToFiles(set),
        }
      : null;
  }

  async write(set: CaSet, expected: string | null): Promise<string> {
    const current = this.versions.length === 0 ? null : String(this.versions.length);
    if (current !== expected) throw new ConflictError('store changed');
    this.writes++;
    this.versions.push(structuredClone(set));
    return String(this.versions.length);
  }

  async listArchive(): Promise<ArchiveEntry[]> {
    return this.versions
      .slice(0, -1)
      .map((_, i) => ({ id: String(i + 1), createdAt: '', version: String(i + 1) }));
  }

  async readArchive(id: string): Promise<CaSet> {
    return structuredClone(this.versions[Number(id) - 1]!);
  }
}

export class MemorySecret implements SecretTarget {
  readonly ref = 'memory:secret';
  history: PublishedSecret[] = [];
  writes = 0;
  /** Called before each write; may throw to inject a fault. */
  beforeWrite?: () => void;

  constructor(data?: Record<string, Buffer>, annotations: Record<string, string> = {}) {
    if (data) this.history.push({ data, annotations, version: '1' });
  }

  async read(): Promise<PublishedSecret | null> {
    return this.history.at(-1) ?? null;
  }

  async readPrevious(): Promise<PublishedSecret | null> {
    return this.history.at(-2) ?? null;
  }

  async write(
    data: Record<string, Buffer>,
    annotations: Record<string, string>,
    expected: string | null,
  ) {
    this.beforeWrite?.();
    if ((this.history.at(-1)?.version ?? null) !== expected)
      throw new ConflictError('Secret changed');
    this.writes++;
    const version = String(this.history.length + 1);
    this.history.push({ data, annotations: { ...annotations }, version });
    return version;
  }
}

export class MemoryInventory implements InventorySource {
  readonly ref = 'memory:inventory';
  current?: { inventory: Inventory; version: string };

  async read() {
    return this.current ?? null;
  }

  async write(inventory: Inventory, expected: string | null) {
    if ((this.current?.version ?? null) !== expected) throw new ConflictError('inventory changed');
    const version = String(Number(this.current?.version ?? 0) + 1);
    this.current = { inventory, version };
    return version;
  }
}

/** Workloads whose rollouts end as the test says. */
export class FakeWorkloads implements Workloads {
  restarts: { workload: string; fingerprint: string }[] = [];
  outcomes: RolloutState[] = [];

  async restart(workload: string, fingerprint: string) {
    this.restarts.push({ workload, fingerprint });
    return true;
  }

  async waitForRollout(): Promise<RolloutState> {
    return this.outcomes.shift() ?? { done: true, message: 'rolled out' };
  }
}

export function memoryPublication(secret: MemorySecret, workloads?: Workloads): Publication {
  let holder: string | undefined;
  return {
    secret,
    workloads,
    lock: {
      async acquire(who: string) {
        if (holder) throw new LockHeldError('memory lock', holder);
        holder = who;
        return {
          holder: who,
          renew: async () => {},
          release: async () => {
            holder = undefined;
          },
        };
      },
    },
  };
}
