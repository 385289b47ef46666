/**
 * Kubernetes `Status` error bodies, built as the API server builds them: reason, code,
 * message in the server's words, and `details` naming the object (`group` left out for the
 * core group; `kind` is the plural resource, except for Invalid, which names the Kind).
 */
import type { Reply } from '../server.js';
import { qualifiedName, type ResourceType } from './resources.js';

export interface StatusCause {
  reason: string;
  message: string;
  field: string;
}

interface Details {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: Partial<StatusCause>[];
  retryAfterSeconds?: number;
}

export function status(
  code: number,
  reason: string,
  message: string,
  details?: Details,
  metadata: Record<string, unknown> = {},
): Reply {
  const body: Record<string, unknown> = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata,
    status: 'Failure',
    message,
    reason,
  };
  if (details !== undefined) body['details'] = details;
  body['code'] = code;
  return { status: code, body };
}

export function detailsOf(type: ResourceType, name: string | undefined): Details {
  return {
    ...(name === undefined ? {} : { name }),
    ...(type.group === '' ? {} : { group: type.group }),
    kind: type.plural,
  };
}

export function notFound(type: ResourceType, name: string): Reply {
  const message = `${qualifiedName(type)} "${name}" not found`;
  return status(404, 'NotFound', message, detailsOf(type, name));
}

export function alreadyExists(type: ResourceType, name: string): Reply {
  const message = `${qualifiedName(type)} "${name}" already exists`;
  return status(409, 'AlreadyExists', message, detailsOf(type, name));
}

export function conflict(type: ResourceType, name: string, reason?: string): Reply {
  const why =
    reason ??
    'the object has been modified; please apply your changes to the latest version and try again';
  const message = `Operation cannot be fulfilled on ${qualifiedName(type)} "${name}": ${why}`;
  return status(409, 'Conflict', message, detailsOf(type, name));
}

export function invalid(type: ResourceType, name: string, causes: StatusCause[]): Reply {
  const texts = causes.map((c) => `${c.field}: ${c.message}`);
  const listed = texts.length === 1 ? texts[0] : `[${texts.join(', ')}]`;
  const group = type.group === '' ? {} : { group: type.group };
  return status(422, 'Invalid', `${type.kind} "${name}" is invalid: ${listed}`, {
    name,
    ...group,
    kind: type.kind,
    causes,
  });
}

export function badRequest(message: string): Reply {
  return status(400, 'BadRequest', message);
}

export function unauthorized(): Reply {
  return status(401, 'Unauthorized', 'Unauthorized');
}

export function pathNotFound(): Reply {
  return status(404, 'NotFound', 'the server could not find the requested resource', {});
}

export function methodNotAllowed(): Reply {
  const message = 'the server does not allow this method on the requested resource';
  return status(405, 'MethodNotAllowed', message, {});
}

export function unsupportedMediaType(): Reply {
  const message =
    'the body of the request was in an unknown format - accepted media types include: ' +
    'application/json-patch+json, application/merge-patch+json, ' +
    'application/strategic-merge-patch+json';
  return status(415, 'UnsupportedMediaType', message, {});
}

/** 410 for a continue token too old to list consistently, with a token to go on anyway. */
export function expired(freshContinue: string): Reply {
  const message =
    'The provided continue parameter is too old to display a consistent list result. ' +
    'You can start a new list without the continue parameter, or use the continue token ' +
    'in this response to retrieve the remainder of the results. Continuing with the ' +
    'provided token results in an inconsistent list - objects that were created, modified, ' +
    'or deleted between the time the first chunk was returned and now may show up in the list.';
  return status(410, 'Expired', message, undefined, { continue: freshContinue });
}

export function tooManyRequests(retryAfterSeconds: number): Reply {
  const message = 'Too many requests, please try again later.';
  const reply = status(429, 'TooManyRequests', message, { retryAfterSeconds });
  return { ...reply, headers: { 'retry-after': String(retryAfterSeconds) } };
}

export function timeout(): Reply {
  const message = 'Timeout: request did not complete within the allotted timeout';
  return status(504, 'Timeout', message, {});
}

export function forbidden(type: ResourceType, name: string | undefined, ns: string, verb: string) {
  const subject = name === undefined ? qualifiedName(type) : `${qualifiedName(type)} "${name}"`;
  const message =
    `${subject} is forbidden: User "system:serviceaccount:default:default" cannot ${verb} ` +
    `resource "${type.plural}" in API group "${type.group}" in the namespace "${ns}"`;
  return status(403, 'Forbidden', message, detailsOf(type, name));
}

export function internalError(message: string): Reply {
  return status(500, 'InternalError', `Internal error occurred: ${message}`, {
    causes: [{ message }],
  });
}

export function serviceUnavailable(): Reply {
  const message = 'the server is currently unable to handle the request';
  return status(503, 'ServiceUnavailable', message, {});
}
