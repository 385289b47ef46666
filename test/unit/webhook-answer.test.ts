import { describe, expect, it } from 'vitest';
import {
  answerBody,
  answerForError,
  answerForResult,
  httpAnswer,
} from '../../functions/http/answer.js';
import {
  CertSetError,
  ClusterError,
  ConfigError,
  ConflictError,
  GuardRefusal,
  LockHeldError,
  StoreError,
} from '../../lib/errors.js';
import type { ReissueResult } from '../../lib/workflows/reissue/index.js';
import { RolloutFailedError } from '../../lib/workflows/reissue/publish.js';

const result = (outcome: ReissueResult['outcome']): ReissueResult => ({
  outcome,
  revision: 43,
  reasons: ['SAN_MISSING'],
  added: ['DNS:jrlogin01i'],
  removed: [],
  sans: ['IP:127.0.0.1', 'IP:::1', 'DNS:localhost', 'DNS:jrlogin01i'],
  fingerprint: 'AA:BB',
  previousFingerprint: 'CC:DD',
  restarted: ['deployment/proxy'],
  message: 'proxy-client reissued for revision 43',
});

describe('webhook answers', () => {
  it.each([
    ['applied', 200, 'APPLIED'],
    ['unchanged', 200, 'NOTHING_TO_DO'],
    ['dry-run', 200, 'DRY_RUN'],
    ['pending', 202, 'ROLLOUT_PENDING'],
  ] as const)('answers the outcome %s with %i %s and the SAN changes', (outcome, status, code) => {
    const given = answerForResult(result(outcome));

    expect({ status: given.status, code: given.code }).toEqual({ status, code });
    expect(answerBody(given)).toMatchObject({
      revision: 43,
      fingerprint: 'AA:BB',
      added: ['DNS:jrlogin01i'],
      removed: [],
    });
  });

  it('tells how to follow a rollout that is still under way', () => {
    const body = answerBody(answerForResult(result('pending')));

    expect(body.follow).toEqual([
      'hubcerts scan --probe HOST:PORT',
      'kubectl rollout status deployment/proxy',
    ]);
    expect(body.message).toMatch(/kubectl rollout status deployment\/proxy\.$/);
  });

  it.each([
    ['a held lock', new LockHeldError('lease', 'rotateCa/plan-x'), 409, 'LOCK_HELD'],
    ['an older revision', new GuardRefusal('REVISION_OLDER', 'older'), 409, 'REVISION_OLDER'],
    ['a reused revision', new GuardRefusal('REVISION_REUSED', 'reused'), 409, 'REVISION_REUSED'],
    [
      'a half-done rotation',
      new GuardRefusal('SECRET_STORE_DIVERGED', 'x'),
      409,
      'SECRET_STORE_DIVERGED',
    ],
    ['a removal', new GuardRefusal('REMOVAL_NOT_ALLOWED', 'drops x'), 428, 'REMOVAL_NOT_ALLOWED'],
    ['a large removal', new GuardRefusal('REMOVAL_TOO_LARGE', 'drops'), 428, 'REMOVAL_TOO_LARGE'],
    ['a sealed Vault', new StoreError('sealed', { retryable: true }), 503, 'STORE_UNAVAILABLE'],
    ['a Vault refusal', new StoreError('denied'), 502, 'STORE_FAILED'],
    ['a busy cluster', new ClusterError('busy', { retryable: true }), 503, 'CLUSTER_UNAVAILABLE'],
    ['a cluster refusal', new ClusterError('forbidden'), 502, 'CLUSTER_FAILED'],
    ['a failed rollout', new RolloutFailedError('failed', true), 502, 'ROLLOUT_FAILED'],
    ['endless races', new ConflictError('changed'), 409, 'CHANGED_CONCURRENTLY'],
    ['broken material', new CertSetError('broken', 'hub-ca'), 502, 'CERT_SET_INVALID'],
    ['a bad setting', new ConfigError('HUBCERTS_STORE is not set'), 500, 'NOT_CONFIGURED'],
  ])('answers %s with its contract status', (_what, error, status, code) => {
    const given = answerForError(error);

    expect({ status: given.status, code: given.code }).toEqual({ status, code });
    expect(given.message).toMatch(/^[A-Z].*\.$/);
  });

  it('says whether a failed rollout was restored', () => {
    expect(answerForError(new RolloutFailedError('x', true)).details).toEqual({ restored: true });
    expect(answerForError(new RolloutFailedError('x', false)).details).toEqual({ restored: false });
  });

  it('answers anything unexpected with 500 and a fixed sentence', () => {
    const given = answerForError(new TypeError('secret path /run/hub/key.pem is missing'));

    expect(given).toEqual({
      status: 500,
      code: 'INTERNAL_ERROR',
      message: 'An unexpected error occurred; see the function log.',
    });
    expect(answerForError(new ConfigError('HUBCERTS_STORE "dir:/x"')).message).not.toContain(
      'dir:/x',
    );
  });

  it('sends answers as JSON in an HTTP API envelope', () => {
    const response = httpAnswer(answerForError(new LockHeldError('lease', 'webhook/1')));

    expect(response.statusCode).toBe(409);
    expect(response.headers).toMatchObject({ 'content-type': 'application/json' });
    expect(JSON.parse(String(response.body))).toMatchObject({
      code: 'LOCK_HELD',
      holder: 'webhook/1',
    });
  });
});
