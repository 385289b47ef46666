/**
 * What the API server refuses before storing an object. Decoding faults (a Secret value that
 * is not base64, a MicroTime without six fraction digits) are 400 BadRequest, because the
 * server cannot even decode the body; rule violations are 422 Invalid with one cause each.
 */
import type { Reply } from '../server.js';
import type { ResourceType } from './resources.js';
import { badRequest, invalid, type StatusCause } from './status.js';
import type { KubeObject } from './store.js';

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const SUBDOMAIN_RULE =
  'a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, ' +
  "'-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', " +
  "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?" +
  "(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const CONFIG_KEY_RULE =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' " +
  "(e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is " +
  "'[-._a-zA-Z0-9]+')";
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const MICRO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|[+-]\d\d:\d\d)$/;
const MICRO_TIME_LAYOUT = '2006-01-02T15:04:05.000000Z07:00';
const MAX_SECRET_BYTES = 1024 * 1024;

/**
 * Decodes and defaults an object as the server does (`stringData` folded into `data`, the
 * defaults clients read back); a reply when the body cannot be decoded.
 */
export function decode(type: ResourceType, object: KubeObject): Reply | undefined {
  applyDefaults(type, object);
  const cannot = (why: string) =>
    badRequest(`${type.kind} in version "v1" cannot be handled as a ${type.kind}: ${why}`);
  if (type.kind === 'Secret') {
    for (const value of Object.values(record(object['data']))) {
      if (typeof value !== 'string') {
        return cannot(
          `json: cannot unmarshal ${typeof value} into Go struct field Secret.data of type []uint8`,
        );
      }
      if (!BASE64.test(value)) return cannot(`illegal base64 data at input byte ${badByte(value)}`);
    }
    const stringData = record(object['stringData']);
    if (Object.keys(stringData).length > 0) {
      const data = record(object['data']);
      for (const [key, value] of Object.entries(stringData)) {
        data[key] = Buffer.from(String(value)).toString('base64');
      }
      object['data'] = data;
    }
    delete object['stringData'];
  }
  if (type.kind === 'Lease') {
    const spec = record(object['spec']);
    for (const field of ['acquireTime', 'renewTime']) {
      const value = spec[field];
      if (value === undefined || value === null || MICRO_TIME.test(String(value))) continue;
      // Go's layout demands exactly six fraction digits after the seconds (offset 19).
      const text = String(value);
      const rest = text.slice(19);
      return cannot(
        `parsing time "${text}" as "${MICRO_TIME_LAYOUT}": cannot parse "${rest}" as ".000000"`,
      );
    }
  }
  return undefined;
}

function applyDefaults(type: ResourceType, object: KubeObject): void {
  if (type.kind === 'Secret') object['type'] ??= 'Opaque';
  if (type.kind === 'Deployment') {
    const spec = record(object['spec']);
    spec['replicas'] ??= 1;
    spec['progressDeadlineSeconds'] ??= 600;
    spec['revisionHistoryLimit'] ??= 10;
    object['spec'] = spec;
  }
}

/** The 422 reply for an object that breaks a rule, or undefined when it is valid. */
export function validate(type: ResourceType, object: KubeObject): Reply | undefined {
  const name = object.metadata?.name ?? '';
  const causes: StatusCause[] = [...nameCauses(name)];
  if (type.kind === 'Secret' || type.kind === 'ConfigMap') causes.push(...dataCauses(type, object));
  if (type.kind === 'Lease') causes.push(...leaseCauses(record(object['spec'])));
  if (type.kind === 'Deployment') {
    const replicas = record(object['spec'])['replicas'];
    if (replicas !== undefined && (typeof replicas !== 'number' || replicas < 0)) {
      causes.push(invalidValue('spec.replicas', replicas, 'must be greater than or equal to 0'));
    }
  }
  return causes.length === 0 ? undefined : invalid(type, name, causes);
}

function nameCauses(name: string): StatusCause[] {
  if (name === '') {
    return [
      {
        reason: 'FieldValueRequired',
        message: 'Required value: name or generateName is required',
        field: 'metadata.name',
      },
    ];
  }
  if (name.length > 253) {
    return [invalidValue('metadata.name', name, 'must be no more than 253 characters')];
  }
  return SUBDOMAIN.test(name) ? [] : [invalidValue('metadata.name', name, SUBDOMAIN_RULE)];
}

function dataCauses(type: ResourceType, object: KubeObject): StatusCause[] {
  const causes: StatusCause[] = [];
  let bytes = 0;
  for (const field of ['data', 'binaryData']) {
    for (const [key, value] of Object.entries(record(object[field]))) {
      if (!CONFIG_KEY.test(key))
        causes.push(invalidValue(`${field}[${key}]`, key, CONFIG_KEY_RULE));
      const text = String(value);
      bytes +=
        type.kind === 'Secret' ? Buffer.from(text, 'base64').length : Buffer.byteLength(text);
    }
  }
  if (bytes > MAX_SECRET_BYTES) {
    causes.push({
      reason: 'FieldValueTooLong',
      message: `Too long: must have at most ${MAX_SECRET_BYTES} bytes`,
      field: 'data',
    });
  }
  return causes;
}

function leaseCauses(spec: Record<string, unknown>): StatusCause[] {
  const causes: StatusCause[] = [];
  const duration = spec['leaseDurationSeconds'];
  if (duration !== undefined && duration !== null && Number(duration) <= 0) {
    causes.push(invalidValue('spec.leaseDurationSeconds', duration, 'must be greater than 0'));
  }
  const transitions = spec['leaseTransitions'];
  if (transitions !== undefined && transitions !== null && Number(transitions) < 0) {
    const rule = 'must be greater than or equal to 0';
    causes.push(invalidValue('spec.leaseTransitions', transitions, rule));
  }
  return causes;
}

function invalidValue(field: string, value: unknown, rule: string): StatusCause {
  const shown = typeof value === 'string' ? `"${value}"` : String(value);
  return { reason: 'FieldValueInvalid', message: `Invalid value: ${shown}: ${rule}`, field };
}

/** Where Go's base64 decoder gives up: the first byte outside the alphabet, else the tail. */
function badByte(text: string): number {
  const illegal = text.search(/[^A-Za-z0-9+/=]/);
  if (illegal >= 0) return illegal;
  const padding = text.indexOf('=');
  if (padding >= 0 && padding < text.length - 2) return padding;
  return text.length - (text.length % 4);
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
