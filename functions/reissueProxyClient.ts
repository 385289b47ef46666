/**
 * `reissueProxyClient`: the inventory webhook (`POST /inventory`, HTTP API payload 2.0) and
 * its trusted twin, the direct invoke. Both end in the reissue workflow; both answer with
 * the JSON objects of design 4.5. Every input check passes before anything is opened,
 * locked or written, and the checks run in the contract's order: size, content type,
 * signature, JSON, inventory.
 */
import middy, { type MiddlewareObj } from '@middy/core';
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyStructuredResultV2,
  Context,
} from 'aws-lambda';
import { openInventory, openPublication, openStore } from '../lib/backends.js';
import type { Settings } from '../lib/config.js';
import { ConfigError, messageOf } from '../lib/errors.js';
import type { Logger } from '../lib/log.js';
import { loadX509 } from '../lib/pki/issue.js';
import { type GeneratedKey, generateKey } from '../lib/pki/keys.js';
import { runReissue } from '../lib/workflows/reissue/index.js';
import {
  type Answer,
  answer,
  answerBody,
  answerForError,
  answerForResult,
  httpAnswer,
  sentence,
} from './http/answer.js';
import { type InvokeRequest, readInvokeEvent } from './http/invoke-event.js';
import { isAnswer, readInventoryBody, readWebhookRequest } from './http/request.js';
import { SIGNATURE_HEADER, verifySignature } from './http/signature.js';
import { backendOptionsFor, coldStartSettings, invocationLogger } from './shared/runtime.js';

const FUNCTION_NAME = 'reissueProxyClient';

/**
 * How long a webhook waits for the rollout. HTTP APIs give up after 30 s; this leaves about
 * 10 s for the cold start, the reads, issuing, writing, and a restore after a failed
 * rollout. A rollout that takes longer is answered with 202 and checked by the scan.
 */
export const HTTP_ROLLOUT_WAIT_MS = 20_000;

/** Time kept back from Lambda's own timeout, so an answer still gets out. */
const LAMBDA_MARGIN_MS = 5_000;

/** What a direct invoke returns: the answer object itself, without an HTTP envelope. */
export type AnswerObject = Record<string, unknown>;

export type ReissueProxyClientResult = APIGatewayProxyStructuredResultV2 | AnswerObject;

async function reissueProxyClient(event: unknown, context: Context): Promise<Answer> {
  const log = loggerFor(event, context);
  if (isHttpEvent(event)) return webhook(event, context, log);

  const request = readInvokeEvent(event);
  if (isAnswer(request)) return request;
  const settings = await coldStartSettings();
  const who = `invoke/${requestIdOf(event, context)}`;
  return reissue(request, settings, { log, who, rolloutWaitMs: rolloutWait(settings, context) });
}

async function webhook(event: APIGatewayProxyEventV2, context: Context, log: Logger) {
  const request = readWebhookRequest(event);
  if (isAnswer(request)) return request;

  const settings = await coldStartSettings();
  if (settings.webhookSecret.length === 0) {
    log.error('HUBCERTS_WEBHOOK_SECRET is empty; every webhook is refused');
    return answer(500, 'NOT_CONFIGURED', 'The webhook has no signing key configured.');
  }
  const now = Math.floor(Date.now() / 1000);
  const header = request.headers[SIGNATURE_HEADER];
  const signature = verifySignature(header, request.body, settings.webhookSecret, now);
  if (!signature.ok) return answer(401, signature.code, sentence(signature.message));

  const inventory = await readInventoryBody(request.body);
  if (isAnswer(inventory)) return inventory;
  const wanted: InvokeRequest = {
    inventory,
    dryRun: false,
    // Removal through the webhook only when the operator allowed it; never `force`.
    allowRemoval: settings.webhookAllowRemoval,
    force: false,
  };
  const who = `webhook/${requestIdOf(event, context)}`;
  const rolloutWaitMs = Math.min(HTTP_ROLLOUT_WAIT_MS, rolloutWait(settings, context));
  return reissue(wanted, settings, { log, who, rolloutWaitMs });
}

/** Opens the backends and runs the workflow; its errors are answered by `answers`. */
async function reissue(
  request: InvokeRequest,
  settings: Settings,
  run: { log: Logger; who: string; rolloutWaitMs: number },
): Promise<Answer> {
  // The key and the certificate library take a while; start both while the reads run.
  let key: Promise<GeneratedKey> | undefined;
  if (!request.dryRun) {
    key = generateKey(settings.keyType);
    key.catch(() => {});
    loadX509().catch(() => {});
  }
  const options = backendOptionsFor(settings, run.log);
  const store = await openStore(required(settings.store, 'store'), options);
  const publication = await openPublication(required(settings.secret, 'secret'), options);
  const record = await openInventory(required(settings.inventory, 'inventory'), options);
  if (settings.restart.length > 0 && !publication.workloads) {
    throw new ConfigError(`HUBCERTS_RESTART needs a cluster Secret (k8s:), not ${settings.secret}`);
  }
  const result = await runReissue(
    { ...request, who: run.who },
    {
      ...settings,
      store,
      publication,
      record,
      lockWaitMs: 0,
      rolloutWaitMs: run.rolloutWaitMs,
      log: run.log,
      now: () => new Date(),
      key,
    },
  );
  return answerForResult(result);
}

/** Turns the handler's answer, or any error it threw, into what the caller receives. */
const answers: MiddlewareObj<unknown, unknown, Error, Context> = {
  after: (request) => {
    request.response = deliver(request.event, request.context, request.response as Answer);
  },
  onError: (request) => {
    const error = request.error;
    request.response = deliver(request.event, request.context, answerForError(error), error);
  },
};

/** Logs the answer line and shapes the answer for an HTTP or a direct caller. */
function deliver(event: unknown, context: Context, given: Answer, error?: unknown) {
  const log = loggerFor(event, context);
  const fields = { status: given.status, code: given.code };
  if (given.status >= 500) {
    log.error('answered', { ...fields, error: error === undefined ? null : messageOf(error) });
  } else {
    log.info('answered', fields);
  }
  const withId = {
    ...given,
    details: { ...given.details, requestId: requestIdOf(event, context) },
  };
  return isHttpEvent(event) ? httpAnswer(withId) : answerBody(withId);
}

function isHttpEvent(event: unknown): event is APIGatewayProxyEventV2 {
  const requestContext = (event as { requestContext?: { http?: unknown } } | null)?.requestContext;
  return typeof requestContext?.http === 'object' && requestContext.http !== null;
}

function loggerFor(event: unknown, context: Context): Logger {
  return invocationLogger(FUNCTION_NAME, context).with({
    trigger: isHttpEvent(event) ? 'webhook' : 'invoke',
  });
}

function requestIdOf(event: unknown, context: Context): string {
  const fromGateway = isHttpEvent(event) ? event.requestContext.requestId : undefined;
  return context?.awsRequestId ?? fromGateway ?? 'local';
}

/** The configured rollout timeout, cut to what is left of this invocation. */
function rolloutWait(settings: Settings, context: Context): number {
  const configured = settings.rolloutTimeout * 1000;
  const remaining = context?.getRemainingTimeInMillis?.();
  return remaining === undefined
    ? configured
    : Math.min(configured, Math.max(0, remaining - LAMBDA_MARGIN_MS));
}

function required(value: string | undefined, setting: string): string {
  if (!value) throw new ConfigError(`HUBCERTS_${setting.toUpperCase()} is not set`);
  return value;
}

/**
 * The Lambda handler. @middy/core runs it and answers every outcome, including errors,
 * as JSON; the early timeout leaves a second to send a 503 before Lambda stops the function.
 * middy types the result as the inner handler's; `answers` reshapes it, hence the cast.
 */
export const handler = middy<unknown, unknown, Error, Context>({ timeoutEarlyInMillis: 1000 })
  .use(answers)
  .handler(reissueProxyClient) as unknown as (
  event: unknown,
  context: Context,
) => Promise<ReissueProxyClientResult>;
