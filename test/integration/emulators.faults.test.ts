/**
 * Fault injection and request recording, shared by every emulator; exercised here through
 * the Vault emulator with node-vault and the JupyterHub emulator with fetch.
 */
import vault from 'node-vault';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JupyterHubEmulator } from '../emulators/jupyterhub.js';
import { SEALED } from '../emulators/vault/wire.js';
import { VaultEmulator } from '../emulators/vault.js';

let emulator: VaultEmulator;
let client: ReturnType<typeof vault>;

beforeEach(async () => {
  emulator = await VaultEmulator.start();
  client = vault({ apiVersion: 'v1', endpoint: emulator.url, token: emulator.rootToken });
});

afterEach(async () => {
  await emulator.close();
});

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );
const write = (value: number) => client.write('secret/data/ca', { data: { value } });

describe('status faults', () => {
  it('fails only the Nth matching request, with the real error body by default', async () => {
    // Prepare
    const rule = emulator.faults.add({
      match: { method: 'POST', kind: 'data' },
      nth: 2,
      fault: { status: 503 },
    });

    // Act
    const outcomes = [];
    for (const value of [1, 2, 3]) outcomes.push(await failureOf(write(value)));

    // Assess
    expect(outcomes[0]).toBeUndefined();
    expect(outcomes[1]).toMatchObject({ message: SEALED, response: { statusCode: 503 } });
    expect(outcomes[2]).toBeUndefined();
    expect([rule.matched, rule.fired]).toEqual([3, 1]);
    expect(emulator.secret('secret/ca').currentVersion).toBe(2);
  });

  it('keeps failing from the Nth match on when repeated always', async () => {
    // Prepare
    emulator.faults.add({
      match: { path: /\/data\/ca$/ },
      repeat: 'always',
      fault: { status: 500 },
    });

    // Act
    const first = await failureOf(write(1));
    const second = await failureOf(client.read('secret/data/ca'));

    // Assess
    expect(first).toMatchObject({ response: { statusCode: 500 } });
    expect(second).toMatchObject({ response: { statusCode: 500 } });
  });

  it('sends the given body and a Retry-After header', async () => {
    // Prepare
    emulator.faults.add({
      match: { where: (r) => r.method === 'GET' },
      fault: { status: 429, body: { errors: ['slow down'] }, retryAfterSeconds: 3 },
    });

    // Act
    const answer = await fetch(`${emulator.url}/v1/secret/data/ca`, {
      headers: { 'x-vault-token': emulator.rootToken },
    });

    // Assess
    expect(answer.status).toBe(429);
    expect(answer.headers.get('retry-after')).toBe('3');
    expect(await answer.json()).toEqual({ errors: ['slow down'] });
  });

  it('performs the change before failing when asked to apply first', async () => {
    // Prepare
    emulator.faults.add({ match: { method: 'POST' }, fault: { status: 504, afterApply: true } });

    // Act
    const error = await failureOf(write(1));

    // Assess
    expect(error).toMatchObject({ response: { statusCode: 504 } });
    expect(emulator.secret('secret/ca').read()).toEqual({ value: 1 });
  });
});

describe('transport faults', () => {
  it('delays the answer by the given latency', async () => {
    // Prepare
    emulator.faults.add({ match: { method: 'POST' }, fault: { latencyMs: 150 } });
    const started = performance.now();

    // Act
    await write(1);

    // Assess
    expect(performance.now() - started).toBeGreaterThanOrEqual(140);
    expect(emulator.requests[0]?.status).toBe(200);
  });

  it('drops the connection without an answer', async () => {
    // Prepare
    emulator.faults.add({ match: { method: 'POST' }, fault: { reset: true } });

    // Act
    const error = await failureOf(write(1));

    // Assess
    expect(error).toMatchObject({ code: 'ECONNRESET' });
    expect(emulator.requests[0]?.status).toBeUndefined();
    expect(emulator.secret('secret/ca').exists).toBe(false);
  });

  it('stops applying a fault once it is cleared', async () => {
    // Prepare
    const rule = emulator.faults.add({ repeat: 'always', fault: { status: 500 } });
    await failureOf(write(1));

    // Act
    emulator.faults.clear(rule);
    await write(2);

    // Assess
    expect(emulator.secret('secret/ca').read()).toEqual({ value: 2 });
  });
});

describe('recording', () => {
  it('records method, path, query, headers and parsed body, and lists writes apart', async () => {
    // Prepare
    await write(1);

    // Act
    await client.read('secret/data/ca?version=1');

    // Assess
    const [posted, read] = emulator.requests;
    expect(posted).toMatchObject({ method: 'POST', path: '/v1/secret/data/ca', kind: 'data' });
    expect(posted?.body).toEqual({ data: { value: 1 } });
    expect(read).toMatchObject({ method: 'GET', query: { version: '1' }, status: 200 });
    expect(read?.headers['x-vault-token']).toBe(emulator.rootToken);
    expect(emulator.writes()).toEqual([posted]);
  });

  it('uses each emulator’s own error body for a fault without one', async () => {
    // Prepare
    const hub = await JupyterHubEmulator.start();
    hub.faults.add({ fault: { status: 502 } });

    // Act
    const answer = await fetch(`${hub.url}/hub/api/`);
    await hub.close();

    // Assess
    expect(answer.status).toBe(502);
    expect(await answer.json()).toEqual({ status: 502, message: 'Bad Gateway' });
  });
});
