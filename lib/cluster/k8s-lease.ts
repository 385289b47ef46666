/**
 * The hub's lock: a coordination.k8s.io/v1 Lease `hubcerts-<secret name>` beside the
 * Secret, taken the way client-go's leader election takes one.
 *
 * - Acquire creates the Lease. When it exists and has a holder, it is free only once it
 *   has gone unrenewed for its duration *as observed here*: the first time a version of the
 *   Lease is seen, the local monotonic clock is noted, because the holder's clock and ours
 *   differ. As a second rule, a renew time older than duration plus `clockSkewMs` by our
 *   clock also counts as expired, so a one-shot run (CLI, Lambda) can take over the Lease of
 *   a run that died long ago without first watching it for a whole duration.
 * - A takeover is an update carrying the observed resourceVersion and leaseTransitions + 1;
 *   of two racing takeovers the API server lets one through and answers the other 409,
 *   which becomes LockHeldError naming the winner.
 * - Release clears the holder and shortens the duration to one second, conditionally. It
 *   never throws: the Lease expires by itself, and failing a change that was already applied
 *   because its lock could not be tidied up would misreport what happened.
 * - Times travel as MicroTime text with exactly six fraction digits: the API server refuses
 *   the three of `Date.toISOString()`.
 */
import type { V1Lease, V1LeaseSpec } from '@kubernetes/client-node';
import { ConflictError, LockHeldError, messageOf } from '../errors.js';
import { apiPath, type K8sClient } from './k8s-client.js';
import { k8sStatusOf } from './k8s-errors.js';
import { FIELD_MANAGER, MANAGED_BY_LABEL, MANAGER } from './k8s-secret-data.js';
import type { HubLock, LockHandle } from './types.js';

/**
 * A Lease as it travels: client-node types its MicroTimes as Dates, which only its generated
 * clients produce; as JSON they are text.
 */
type LeaseSpec = Omit<V1LeaseSpec, 'acquireTime' | 'renewTime'> & {
  acquireTime?: string;
  renewTime?: string;
};
type Lease = Omit<V1Lease, 'spec'> & { spec?: LeaseSpec };

/** Name of the Lease guarding changes to the Secret `secretName`. */
export function leaseName(secretName: string): string {
  return `hubcerts-${secretName}`;
}

export class K8sLease implements HubLock {
  readonly name: string;
  /** The version of the Lease last seen held, and when (local monotonic clock). */
  #observed: { version: string; at: number } | undefined;

  constructor(
    private readonly client: K8sClient,
    readonly namespace: string,
    secretName: string,
  ) {
    this.name = leaseName(secretName);
  }

  async acquire(holder: string, ttlSeconds: number): Promise<LockHandle> {
    const duration = Math.max(1, Math.ceil(ttlSeconds));
    // A Lease deleted between our create and our read is tried again, a few times.
    for (let round = 0; round < 3; round++) {
      const created = await this.create(holder, duration);
      if (created) return this.handle(created, holder);
      const found = await this.read();
      if (!found) continue;
      const current = found.spec?.holderIdentity;
      if (current && !this.expired(found)) throw new LockHeldError(this.resource, current);
      return this.handle(await this.takeOver(found, holder, duration), holder);
    }
    throw new LockHeldError(this.resource, 'another process that keeps deleting it');
  }

  private async create(holder: string, duration: number): Promise<Lease | undefined> {
    const acquired = microTime(Date.now());
    const body: Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.name,
        namespace: this.namespace,
        labels: { [MANAGED_BY_LABEL]: MANAGER },
      },
      spec: held(holder, duration, acquired, 0),
    };
    try {
      return await this.client.write(
        this.action('create'),
        () =>
          this.client.request<Lease>('POST', this.collection, {
            query: { fieldManager: FIELD_MANAGER },
            body,
          }),
        () => this.heldBy(holder, acquired),
      );
    } catch (error) {
      if (error instanceof ConflictError) return undefined;
      throw error;
    }
  }

  private async takeOver(found: Lease, holder: string, duration: number): Promise<Lease> {
    const acquired = microTime(Date.now());
    const transitions = (found.spec?.leaseTransitions ?? 0) + 1;
    const body: Lease = { ...found, spec: held(holder, duration, acquired, transitions) };
    try {
      const taken = await this.client.write(
        this.action('take over'),
        () => this.replace(body),
        () => this.heldBy(holder, acquired),
      );
      this.client.log.info('took over an expired Lease', {
        lease: this.resource,
        previousHolder: found.spec?.holderIdentity ?? '',
        leaseTransitions: transitions,
      });
      return taken;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      // Only to name the winner; without it the refusal still stands.
      const winner = await this.read().catch(() => undefined);
      throw new LockHeldError(this.resource, winner?.spec?.holderIdentity || 'another process');
    }
  }

  private handle(lease: Lease, holder: string): LockHandle {
    let current = lease;
    let released = false;
    return {
      holder,
      renew: async () => {
        if (released) return;
        const acquired = current.spec?.acquireTime;
        const body: Lease = {
          ...current,
          spec: { ...current.spec, renewTime: microTime(Date.now()) },
        };
        try {
          current = await this.client.write(
            this.action('renew'),
            () => this.replace(body),
            () => this.heldBy(holder, acquired, body.spec?.renewTime),
          );
        } catch (error) {
          if (!(error instanceof ConflictError)) throw error;
          const now = await this.read().catch(() => undefined);
          throw new LockHeldError(this.resource, now?.spec?.holderIdentity || 'nobody');
        }
      },
      release: async () => {
        if (released) return;
        released = true;
        await this.release(current);
      },
    };
  }

  private async release(lease: Lease): Promise<void> {
    const spec: LeaseSpec = {
      ...lease.spec,
      holderIdentity: undefined,
      leaseDurationSeconds: 1,
      renewTime: microTime(Date.now()),
    };
    try {
      await this.client.call(this.action('release'), () => this.replace({ ...lease, spec }));
    } catch (error) {
      const code = k8sStatusOf(error)?.code;
      const gone = code === 404 || code === 409;
      this.client.log[gone ? 'warn' : 'error'](
        'could not release the Lease; it expires by itself',
        {
          lease: this.resource,
          reason: gone ? 'it was taken over or deleted meanwhile' : messageOf(error),
        },
      );
    }
  }

  /** Whether a held Lease may be taken over; see the module comment. */
  private expired(lease: Lease): boolean {
    const { clock, clockSkewMs } = this.client.tuning;
    const version = lease.metadata?.resourceVersion ?? '';
    const now = clock();
    if (this.#observed?.version !== version) this.#observed = { version, at: now };
    const durationMs = (lease.spec?.leaseDurationSeconds ?? 0) * 1000;
    if (now - this.#observed.at >= durationMs) return true;
    const renewed = timeOf(lease.spec?.renewTime ?? lease.spec?.acquireTime);
    return renewed !== undefined && Date.now() > renewed + durationMs + clockSkewMs;
  }

  /** The Lease when `holder` holds it since `acquired` (and renewed at `renewed`). */
  private async heldBy(
    holder: string,
    acquired: string | undefined,
    renewed?: string,
  ): Promise<Lease | undefined> {
    const lease = (await this.read()) ?? undefined;
    const spec = lease?.spec;
    if (spec?.holderIdentity !== holder || timeOf(spec.acquireTime) !== timeOf(acquired)) {
      return undefined;
    }
    return renewed === undefined || timeOf(spec.renewTime) === timeOf(renewed) ? lease : undefined;
  }

  private async read(): Promise<Lease | null> {
    try {
      return await this.client.call(this.action('read'), () =>
        this.client.request<Lease>('GET', this.path),
      );
    } catch (error) {
      if (k8sStatusOf(error)?.code === 404) return null;
      throw error;
    }
  }

  private replace(body: Lease): Promise<Lease> {
    return this.client.request<Lease>('PUT', this.path, {
      query: { fieldManager: FIELD_MANAGER },
      body,
    });
  }

  private get collection(): string {
    return apiPath`/apis/coordination.k8s.io/v1/namespaces/${this.namespace}/leases`;
  }

  private get path(): string {
    return `${this.collection}/${encodeURIComponent(this.name)}`;
  }

  private action(verb: string) {
    return { verb, subject: this.resource };
  }

  private get resource(): string {
    return `Lease ${this.namespace}/${this.name}`;
  }
}

function held(holder: string, duration: number, acquired: string, transitions: number) {
  return {
    holderIdentity: holder,
    leaseDurationSeconds: duration,
    acquireTime: acquired,
    renewTime: acquired,
    leaseTransitions: transitions,
  } satisfies LeaseSpec;
}

/** A MicroTime as the API server takes it: `2026-12-03T12:00:00.000000Z`. */
function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}

/** Milliseconds of a MicroTime as sent or read back. */
function timeOf(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}
