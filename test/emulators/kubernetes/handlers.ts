/**
 * The REST verbs on one resource type: get, list, create, replace, patch and delete, with
 * the API server's rules for resourceVersion preconditions, the status subresource and
 * `metadata.generation`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { RecordedRequest, Reply } from '../server.js';
import { applyPatch, PATCH_TYPES, PatchError } from './patch.js';
import { apiVersionOf, type ResourceType, type Target } from './resources.js';
import { fieldSelector, labelSelector, SelectorError } from './selectors.js';
import * as status from './status.js';
import type { KubeObject, ObjectStore } from './store.js';
import { decode, validate } from './validation.js';

/** Lets the rollout simulation see client writes and reads of Deployments. */
export interface ObjectHooks {
  written(type: ResourceType, before: KubeObject | undefined, after: KubeObject): void;
  reading(type: ResourceType, namespace: string, name: string): void;
}

export class ObjectHandlers {
  readonly #store: ObjectStore;
  readonly #hooks: ObjectHooks;

  constructor(store: ObjectStore, hooks: ObjectHooks) {
    this.#store = store;
    this.#hooks = hooks;
  }

  handle(target: Target, request: RecordedRequest): Reply {
    const { name } = target;
    const verb = `${request.method} ${name === undefined ? 'collection' : 'object'}`;
    switch (verb) {
      case 'GET collection':
        return this.#list(target, request.query);
      case 'POST collection':
        return this.#create(target, request.body);
      case 'GET object':
        return this.#get(target, name!);
      case 'PUT object':
        return this.#replace(target, name!, request.body);
      case 'PATCH object':
        return this.#patch(target, name!, request);
      case 'DELETE object':
        return this.#delete(target, name!, request.body);
      default:
        return status.methodNotAllowed();
    }
  }

  #get({ type, namespace }: Target, name: string): Reply {
    this.#hooks.reading(type, namespace, name);
    const found = this.#store.get(type, namespace, name);
    return found ? ok(200, type, found) : status.notFound(type, name);
  }

  #list({ type, namespace }: Target, query: Readonly<Record<string, string>>): Reply {
    let keep: (object: KubeObject) => boolean;
    try {
      const labels = labelSelector(query['labelSelector']);
      const fields = fieldSelector(query['fieldSelector'], type.kind);
      keep = (object) => labels(object) && fields(object);
    } catch (error) {
      if (error instanceof SelectorError) return status.badRequest(error.message);
      throw error;
    }
    const limit = query['limit'] === undefined ? undefined : Number(query['limit']);
    const page = this.#store.page(type, namespace, keep, limit, query['continue']);
    if ('invalid' in page) return status.badRequest(page.invalid);
    if ('expired' in page) return status.expired(page.expired);
    const metadata: Record<string, unknown> = { resourceVersion: page.resourceVersion };
    if (page.continue !== undefined) metadata['continue'] = page.continue;
    if (page.remaining !== undefined) metadata['remainingItemCount'] = page.remaining;
    const items = page.items.map(withoutTypeMeta);
    return {
      status: 200,
      body: { kind: `${type.kind}List`, apiVersion: apiVersionOf(type), metadata, items },
    };
  }

  #create(target: Target, body: unknown): Reply {
    const { type, namespace } = target;
    if (!isObject(body)) return status.badRequest('the body of the request is not a JSON object');
    const object = structuredClone(body) as KubeObject;
    const metadata = { ...object.metadata };
    if (metadata.namespace !== undefined && metadata.namespace !== namespace) {
      return status.badRequest(
        'the namespace of the provided object does not match the namespace sent on the request',
      );
    }
    metadata.namespace = namespace;
    if (!metadata.name && metadata.generateName) {
      metadata.name = `${metadata.generateName}${randomBytes(3).toString('hex').slice(0, 5)}`;
    }
    object.metadata = metadata;
    const refused = decode(type, object) ?? validate(type, object);
    if (refused !== undefined) return refused;
    const name = metadata.name ?? '';
    if (this.#store.get(type, namespace, name) !== undefined) {
      return status.alreadyExists(type, name);
    }
    metadata.uid = randomUUID();
    metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    delete metadata.resourceVersion;
    if (type.generation) metadata.generation = 1;
    if (type.statusSubresource) delete object['status'];
    const stored = this.#store.save(type, object);
    this.#hooks.written(type, undefined, stored);
    return ok(201, type, stored);
  }

  #replace(target: Target, name: string, body: unknown): Reply {
    if (!isObject(body)) return status.badRequest('the body of the request is not a JSON object');
    const next = structuredClone(body) as KubeObject;
    next.metadata = { ...next.metadata };
    const given = next.metadata.name ?? name;
    if (given !== name) {
      return status.badRequest(
        `the name of the object (${given}) does not match the name on the URL (${name})`,
      );
    }
    next.metadata.name = name;
    const old = this.#store.get(target.type, target.namespace, name);
    if (old === undefined) {
      if (target.type.createOnUpdate && !next.metadata.resourceVersion) {
        return this.#create(target, next);
      }
      return status.notFound(target.type, name);
    }
    return this.#commit(target, old, next);
  }

  #patch(target: Target, name: string, request: RecordedRequest): Reply {
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    if (!Object.values<string>(PATCH_TYPES).includes(contentType)) {
      return status.unsupportedMediaType();
    }
    const old = this.#store.get(target.type, target.namespace, name);
    if (old === undefined) return status.notFound(target.type, name);
    let next: KubeObject;
    try {
      next = applyPatch(contentType, withTypeMeta(target.type, old), request.body);
    } catch (error) {
      if (!(error instanceof PatchError)) throw error;
      if (error.status === 400) return status.badRequest(error.message);
      const message = 'the server rejected our request due to an error in our request';
      return status.status(422, 'Invalid', message, {});
    }
    return this.#commit(target, old, next);
  }

  /** The shared end of replace and patch: precondition, decoding, rules, generation. */
  #commit({ type, namespace, subresource }: Target, old: KubeObject, given: KubeObject): Reply {
    const name = old.metadata?.name ?? '';
    const expected = given.metadata?.resourceVersion;
    if (expected && expected !== old.metadata?.resourceVersion) {
      return status.conflict(type, name);
    }
    let next: KubeObject = { ...given, metadata: { ...given.metadata, namespace, name } };
    if (subresource === 'status') next = { ...old, status: given['status'] };
    else if (type.statusSubresource) next['status'] = old['status'];
    if (next['status'] === undefined) delete next['status'];
    const refused = decode(type, next) ?? validate(type, next);
    if (refused !== undefined) return refused;

    const metadata = next.metadata!;
    metadata.uid = old.metadata?.uid;
    metadata.creationTimestamp = old.metadata?.creationTimestamp;
    metadata.resourceVersion = old.metadata?.resourceVersion;
    if (type.generation) {
      const changed = !isDeepStrictEqual(old['spec'], next['spec']);
      metadata.generation = (old.metadata?.generation ?? 1) + (changed ? 1 : 0);
    }
    const unchanged = isDeepStrictEqual(withoutTypeMeta(old), withoutTypeMeta(next));
    if (unchanged) return ok(200, type, old);
    const stored = this.#store.save(type, withoutTypeMeta(next));
    this.#hooks.written(type, old, stored);
    return ok(200, type, stored);
  }

  #delete({ type, namespace }: Target, name: string, body: unknown): Reply {
    const old = this.#store.get(type, namespace, name);
    if (old === undefined) return status.notFound(type, name);
    const preconditions =
      isObject(body) && isObject(body['preconditions']) ? body['preconditions'] : {};
    const failed = (field: string, wanted: unknown, actual: unknown) =>
      status.conflict(
        type,
        name,
        `Precondition failed: ${field} in precondition: ${String(wanted)}, ` +
          `${field} in object meta: ${String(actual)}`,
      );
    const { resourceVersion, uid } = preconditions;
    if (resourceVersion && resourceVersion !== old.metadata?.resourceVersion) {
      return failed('ResourceVersion', resourceVersion, old.metadata?.resourceVersion);
    }
    if (uid && uid !== old.metadata?.uid) return failed('UID', uid, old.metadata?.uid);
    this.#store.remove(type, namespace, name);
    const details = { ...status.detailsOf(type, name), uid: old.metadata?.uid };
    const body200 = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', details };
    return { status: 200, body: body200 };
  }
}

function ok(code: number, type: ResourceType, object: KubeObject): Reply {
  return { status: code, body: withTypeMeta(type, object) };
}

/** The object as the server sends it alone: `kind` and `apiVersion` first. */
export function withTypeMeta(type: ResourceType, object: KubeObject): KubeObject {
  return { kind: type.kind, apiVersion: apiVersionOf(type), ...withoutTypeMeta(object) };
}

function withoutTypeMeta(object: KubeObject): KubeObject {
  const { kind: _kind, apiVersion: _apiVersion, ...rest } = object;
  return rest;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
