/**
 * A stand-in for the Deployment controller. A client change of the pod template starts a
 * rollout that stays pending until the test drives it (`progress`, `complete`, `stall`,
 * `deadlineExceeded`) or an auto-complete rule fires. Status moves the way
 * `kubectl rollout status` reads it; a finished rollout replaces the Deployment's Pods.
 */
import { isDeepStrictEqual } from 'node:util';
import type { ObjectHooks } from './handlers.js';
import { RESOURCES, type ResourceType } from './resources.js';
import { deploymentStatus, type Phase, replacePods } from './rollout-status.js';
import type { KubeObject, ObjectStore } from './store.js';

/** Finish pending rollouts by themselves: after so many reads of the Deployment, or a delay. */
export interface AutoComplete {
  afterReads?: number;
  afterMs?: number;
}

export interface TemplateChange {
  namespace: string;
  name: string;
  before: unknown;
  after: unknown;
  deployment: KubeObject;
}

/** Runs when a client changes a Deployment's pod template; the rollout waits for it to settle. */
export type TemplateChangeHook = (change: TemplateChange) => void | Promise<void>;

interface Rollout {
  phase: Phase;
  reads: number;
  hookSettled: boolean;
  timerDone: boolean;
  timer?: NodeJS.Timeout;
}

const DEPLOYMENTS = RESOURCES.deployments;

export class Rollouts implements ObjectHooks {
  /** Applies to every Deployment without its own rule; undefined means "driven by the test". */
  auto: AutoComplete | undefined;
  readonly #store: ObjectStore;
  readonly #rollouts = new Map<string, Rollout>();
  readonly #overrides = new Map<string, AutoComplete | undefined>();
  readonly #hooks = new Set<TemplateChangeHook>();

  constructor(store: ObjectStore, auto: AutoComplete | undefined) {
    this.#store = store;
    this.auto = auto;
  }

  onTemplateChange(hook: TemplateChangeHook): () => void {
    this.#hooks.add(hook);
    return () => this.#hooks.delete(hook);
  }

  written(type: ResourceType, before: KubeObject | undefined, after: KubeObject): void {
    if (type !== DEPLOYMENTS) return;
    const { namespace = '', name = '' } = after.metadata ?? {};
    const template = (d: KubeObject | undefined) => (d?.['spec'] as KubeObject)?.['template'];
    // Status and metadata writes are not the controller's business.
    if (before !== undefined && isDeepStrictEqual(before['spec'], after['spec'])) return;
    if (before !== undefined && isDeepStrictEqual(template(before), template(after))) {
      // Other spec changes (replicas) are observed at once; a rollout in flight keeps its state.
      if (this.phase(namespace, name) === 'complete') this.set(namespace, name, 'complete');
      return;
    }
    this.#begin(namespace, name, template(before), after, before !== undefined);
  }

  reading(type: ResourceType, namespace: string, name: string): void {
    const rollout = this.#rollouts.get(key(namespace, name));
    if (type !== DEPLOYMENTS || rollout?.phase !== 'pending') return;
    rollout.reads += 1;
    this.#tryAutoComplete(namespace, name);
  }

  phase(namespace: string, name: string): Phase {
    return this.#rollouts.get(key(namespace, name))?.phase ?? 'complete';
  }

  /** Moves a Deployment to a phase and writes the status the controller would write. */
  set(namespace: string, name: string, phase: Phase | 'step'): KubeObject | undefined {
    const deployment = this.#store.get(DEPLOYMENTS, namespace, name);
    if (deployment === undefined) return undefined;
    const rollout = this.#state(namespace, name);
    const next = deploymentStatus(deployment, phase);
    rollout.phase = next.phase;
    if (next.phase !== 'pending') clearTimeout(rollout.timer);
    if (next.status === undefined) return deployment;
    const stored = this.#store.save(DEPLOYMENTS, { ...deployment, status: next.status });
    if (next.phase === 'complete') replacePods(this.#store, stored);
    return stored;
  }

  /** Sets (or with undefined, clears) the auto-complete rule of one Deployment. */
  override(namespace: string, name: string, auto: AutoComplete | undefined): void {
    this.#overrides.set(key(namespace, name), auto);
    this.#tryAutoComplete(namespace, name);
  }

  dispose(): void {
    for (const rollout of this.#rollouts.values()) clearTimeout(rollout.timer);
  }

  #begin(namespace: string, name: string, before: unknown, deployment: KubeObject, hook: boolean) {
    clearTimeout(this.#rollouts.get(key(namespace, name))?.timer);
    const rollout: Rollout = { phase: 'pending', reads: 0, hookSettled: false, timerDone: false };
    this.#rollouts.set(key(namespace, name), rollout);
    const auto = this.#autoFor(namespace, name);
    if (auto?.afterMs !== undefined) {
      rollout.timer = setTimeout(() => {
        rollout.timerDone = true;
        this.#tryAutoComplete(namespace, name);
      }, auto.afterMs);
      rollout.timer.unref();
    }
    const after = (deployment['spec'] as KubeObject | undefined)?.['template'];
    const change: TemplateChange = { namespace, name, before, after, deployment };
    const hooks = hook ? [...this.#hooks] : [];
    const settle = (failed: boolean) => {
      if (this.#rollouts.get(key(namespace, name)) !== rollout) return;
      rollout.hookSettled = true;
      if (failed && rollout.phase === 'pending') this.set(namespace, name, 'failed');
      else this.#tryAutoComplete(namespace, name);
    };
    if (hooks.length === 0) {
      settle(false);
      return;
    }
    void Promise.allSettled(hooks.map(async (h) => h(change))).then((results) =>
      settle(results.some((r) => r.status === 'rejected')),
    );
  }

  #tryAutoComplete(namespace: string, name: string): void {
    const rollout = this.#rollouts.get(key(namespace, name));
    const auto = this.#autoFor(namespace, name);
    if (rollout?.phase !== 'pending' || auto === undefined || !rollout.hookSettled) return;
    const readsDone = auto.afterReads === undefined || rollout.reads >= auto.afterReads;
    const timeDone = auto.afterMs === undefined || rollout.timerDone;
    if (readsDone && timeDone) this.set(namespace, name, 'complete');
  }

  #autoFor(namespace: string, name: string): AutoComplete | undefined {
    const k = key(namespace, name);
    return this.#overrides.has(k) ? this.#overrides.get(k) : this.auto;
  }

  #state(namespace: string, name: string): Rollout {
    const k = key(namespace, name);
    const found = this.#rollouts.get(k);
    if (found !== undefined) return found;
    const created: Rollout = { phase: 'complete', reads: 0, hookSettled: true, timerDone: true };
    this.#rollouts.set(k, created);
    return created;
  }
}

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}
