/**
 * A Kubernetes API server for tests: Secrets, ConfigMaps, Pods, Deployments (with simulated
 * rollouts) and Leases, with real resourceVersion, patch and Status semantics. Tests talk to
 * it with `@kubernetes/client-node` through `kubeconfigFor(emulator)`.
 */
import { randomUUID } from 'node:crypto';
import type { StatusFault } from './faults.js';
import { ObjectHandlers } from './kubernetes/handlers.js';
import {
  type Plural,
  parseTarget,
  RESOURCES,
  type Target,
  typeOfKind,
} from './kubernetes/resources.js';
import { type AutoComplete, Rollouts, type TemplateChangeHook } from './kubernetes/rollout.js';
import type { Phase } from './kubernetes/rollout-status.js';
import * as status from './kubernetes/status.js';
import { type KubeObject, ObjectStore } from './kubernetes/store.js';
import { decode } from './kubernetes/validation.js';
import { Emulator, type EmulatorOptions, type RecordedRequest, type Reply } from './server.js';

export { kubeconfigFor } from './kubernetes/kubeconfig.js';
export type { AutoComplete, TemplateChange, TemplateChangeHook } from './kubernetes/rollout.js';
export type { Phase as RolloutPhase } from './kubernetes/rollout-status.js';
export type { KubeObject, Plural };

export interface KubernetesOptions extends EmulatorOptions {
  /** When set, requests must carry `Authorization: Bearer <token>`; otherwise any is fine. */
  token?: string;
  /** Let rollouts finish by themselves, for end-to-end tests; default: driven by the test. */
  autoCompleteRollouts?: AutoComplete;
}

export interface DeploymentSeed {
  replicas?: number;
  labels?: Record<string, string>;
  /** Pod template annotations. */
  annotations?: Record<string, string>;
  paused?: boolean;
}

/** Drives one Deployment's rollout from the test. */
export interface RolloutDriver {
  /** Observes the new generation and brings one more replica up to date. */
  progress(): KubeObject | undefined;
  complete(): KubeObject | undefined;
  /** Nothing moves any more, not even by auto-complete rules. */
  stall(): void;
  /** The Progressing condition turns False with reason ProgressDeadlineExceeded. */
  deadlineExceeded(): KubeObject | undefined;
  /** Auto-complete rule for this Deployment only (undefined: driven by the test). */
  autoComplete(rule: AutoComplete | undefined): void;
  readonly phase: Phase;
}

export class KubernetesEmulator extends Emulator {
  readonly #store = new ObjectStore();
  readonly #rollouts: Rollouts;
  readonly #handlers: ObjectHandlers;
  readonly #token: string | undefined;

  private constructor(options: KubernetesOptions) {
    super();
    this.#token = options.token;
    this.#rollouts = new Rollouts(this.#store, options.autoCompleteRollouts);
    this.#handlers = new ObjectHandlers(this.#store, this.#rollouts);
  }

  static async start(options: KubernetesOptions = {}): Promise<KubernetesEmulator> {
    const emulator = new KubernetesEmulator(options);
    await emulator.listen(options.tls);
    return emulator;
  }

  /** The newest resourceVersion handed out. */
  get resourceVersion(): number {
    return this.#store.resourceVersion;
  }

  /** Stores an object as if it had always been there; a Deployment starts fully rolled out. */
  seed(given: KubeObject): KubeObject {
    const object = structuredClone(given);
    const type = typeOfKind(object.kind ?? '');
    if (type === undefined) throw new Error(`the emulator does not serve kind ${object.kind}`);
    const metadata = { ...object.metadata };
    const refused = decode(type, object);
    if (refused !== undefined) throw new Error(`cannot seed: ${JSON.stringify(refused.body)}`);
    metadata.uid ??= randomUUID();
    metadata.creationTimestamp ??= new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    if (type.generation) metadata.generation ??= 1;
    const stored = this.#store.save(type, { ...object, metadata });
    if (type === RESOURCES.deployments && object['status'] === undefined) {
      return this.#rollouts.set(metadata.namespace ?? '', metadata.name ?? '', 'complete')!;
    }
    return stored;
  }

  /** Seeds a Deployment with a selector and pod template, fully rolled out. */
  seedDeployment(namespace: string, name: string, seed: DeploymentSeed = {}): KubeObject {
    const labels = seed.labels ?? { app: name };
    return this.seed({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, namespace, labels },
      spec: {
        replicas: seed.replicas ?? 1,
        selector: { matchLabels: labels },
        ...(seed.paused === undefined ? {} : { paused: seed.paused }),
        template: {
          metadata: { labels, annotations: seed.annotations ?? {} },
          spec: { containers: [{ name, image: `registry.invalid/${name}:1` }] },
        },
      },
    });
  }

  find(plural: Plural, namespace: string, name: string): KubeObject | undefined {
    return this.#store.get(RESOURCES[plural], namespace, name);
  }

  list(plural: Plural, namespace: string): KubeObject[] {
    return this.#store.all(RESOURCES[plural], namespace);
  }

  remove(plural: Plural, namespace: string, name: string): void {
    this.#store.remove(RESOURCES[plural], namespace, name);
  }

  /** Makes every continue token issued so far answer 410 Expired. */
  expireContinueTokens(): void {
    this.#store.compact();
  }

  /** The auto-complete rule for Deployments without their own; undefined: test-driven. */
  set autoCompleteRollouts(rule: AutoComplete | undefined) {
    this.#rollouts.auto = rule;
  }

  onTemplateChange(hook: TemplateChangeHook): () => void {
    return this.#rollouts.onTemplateChange(hook);
  }

  rollout(namespace: string, name: string): RolloutDriver {
    const rollouts = this.#rollouts;
    return {
      progress: () => rollouts.set(namespace, name, 'step'),
      complete: () => rollouts.set(namespace, name, 'complete'),
      stall: () => void rollouts.set(namespace, name, 'stalled'),
      deadlineExceeded: () => rollouts.set(namespace, name, 'failed'),
      autoComplete: (rule) => rollouts.override(namespace, name, rule),
      get phase() {
        return rollouts.phase(namespace, name);
      },
    };
  }

  protected override handle(request: RecordedRequest): Reply {
    const authorization = request.headers.authorization;
    if (this.#token !== undefined && authorization !== `Bearer ${this.#token}`) {
      return status.unauthorized();
    }
    if (request.method === 'GET' && request.path === '/version') {
      const body = { major: '1', minor: '31', gitVersion: 'v1.31.0', platform: 'linux/amd64' };
      return { status: 200, body };
    }
    const target = parseTarget(request.path);
    return target === undefined ? status.pathNotFound() : this.#handlers.handle(target, request);
  }

  protected override faultReply(request: RecordedRequest, fault: StatusFault): Reply {
    const target = parseTarget(request.path);
    const reply = target === undefined ? undefined : this.#targetFault(request, fault, target);
    if (reply !== undefined) return reply;
    switch (fault.status) {
      case 401:
        return status.unauthorized();
      case 404:
        return status.pathNotFound();
      case 429:
        return status.tooManyRequests(fault.retryAfterSeconds ?? 1);
      case 500:
        return status.internalError('emulated failure');
      case 503:
        return status.serviceUnavailable();
      case 504:
        return status.timeout();
      default:
        return status.badRequest('the server rejected our request for an unknown reason');
    }
  }

  protected override kindOf(_method: string, path: string): string | undefined {
    return parseTarget(path)?.type.plural;
  }

  protected override teardown(): void {
    this.#rollouts.dispose();
  }

  /** Status bodies that name the addressed object, for faults without a body. */
  #targetFault(request: RecordedRequest, fault: StatusFault, target: Target): Reply | undefined {
    const { type, namespace, name = '' } = target;
    switch (fault.status) {
      case 403:
        return status.forbidden(type, target.name, namespace, verbOf(request, target.name));
      case 404:
        return status.notFound(type, name);
      case 409:
        return request.method === 'POST'
          ? status.alreadyExists(type, (request.body as KubeObject)?.metadata?.name ?? name)
          : status.conflict(type, name);
      case 410:
        return status.expired(this.#store.renewToken(request.query['continue']));
      case 422:
        return status.invalid(type, name, [
          {
            reason: 'FieldValueInvalid',
            message: 'Invalid value: "emulated": rejected by fault injection',
            field: 'metadata.name',
          },
        ]);
      default:
        return undefined;
    }
  }
}

function verbOf(request: RecordedRequest, name: string | undefined): string {
  if (request.method === 'GET') return name === undefined ? 'list' : 'get';
  const verbs: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch' };
  return verbs[request.method] ?? 'delete';
}
