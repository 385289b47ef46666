/**
 * The Vault CA store (`vault:MOUNT/PATH#FIELD`) through the real node-vault client against
 * the Vault emulator: round trips, check-and-set, the archive that outlives max_versions,
 * deleted versions, broken content, audit metadata and the store's documents.
 */
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { CaSet } from '../../lib/certset/model.js';
import { packStoreTarball } from '../../lib/certset/tarball.js';
import { CertSetError, ConflictError, StoreError } from '../../lib/errors.js';
import { jsonLogger } from '../../lib/log.js';
import type { CaStore } from '../../lib/store/types.js';
import { createVaultStore } from '../../lib/store/vault.js';
import { connectVault } from '../../lib/store/vault-client.js';
import { VaultEmulator } from '../emulators/vault.js';
import { makeHub } from '../helpers/hub.js';

const FAST = { attempts: 4, baseMs: 5, maxDelayMs: 20, budgetMs: 2_000 };
const AUDIT = { who: 'alice@login01', why: 'hubcerts init' };
const AUDIT_METADATA = { updated_by: 'alice@login01', reason: 'hubcerts init' };

let emulator: VaultEmulator;
let store: CaStore;
let first: CaSet;
let second: CaSet;

beforeAll(async () => {
  first = (await makeHub()).set;
  second = (await makeHub()).set;
});

beforeEach(async () => {
  emulator = await VaultEmulator.start();
  store = await open('secret/hub#value');
});

afterEach(async () => {
  await emulator.close();
});

async function open(rest: string, token = emulator.rootToken): Promise<CaStore> {
  const env = { VAULT_ADDR: emulator.url, VAULT_TOKEN: token };
  return createVaultStore(rest, await connectVault(env, { retry: FAST }));
}

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e,
  );
const hubCa = (set: CaSet) => set.cas['hub-ca'].cert;

describe('reading and writing', () => {
  it('reads back the CA set it wrote, at the KV version', async () => {
    // Act
    const version = await store.write(first, null, AUDIT);
    const read = await store.read();

    // Assess
    expect(version).toBe('1');
    expect(read?.version).toBe('1');
    expect(read?.set).toEqual(first);
    const stored = emulator.secret('secret/hub').read();
    expect(Object.keys(stored ?? {})).toEqual(['value']);
    expect(stored?.['value']).toMatch(/^H4sI[A-Za-z0-9+/=]+$/);
  });

  it('reads nothing where nothing is stored', async () => {
    // Act
    const read = await store.read();

    // Assess
    expect(read).toBeNull();
  });

  it('creates only when nothing is stored yet', async () => {
    // Prepare
    emulator.secret('secret/hub').write({ value: 'someone else' });

    // Act
    const error = await failureOf(store.write(first, null, AUDIT));

    // Assess
    expect(error).toBeInstanceOf(ConflictError);
    expect(emulator.secret('secret/hub').currentVersion).toBe(1);
    expect(emulator.secret('secret/hub').read()).toEqual({ value: 'someone else' });
  });

  it('refuses a write over a version that is no longer current and changes nothing', async () => {
    // Prepare
    await store.write(first, null, AUDIT);
    await store.write(second, '1', AUDIT);
    const before = emulator.secret('secret/hub').read();
    const writesBefore = emulator.writes().length;

    // Act
    const error = await failureOf(store.write(first, '1', AUDIT));

    // Assess
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toMatch(/vault:secret\/hub#value changed since it was read/);
    expect(emulator.secret('secret/hub').currentVersion).toBe(2);
    expect(emulator.secret('secret/hub').read()).toEqual(before);
    expect(emulator.writes().length).toBe(writesBefore);
  });

  it('loses a race decided by check-and-set with a ConflictError, keeping the winner', async () => {
    // Prepare: another writer lands between this store's read and its write.
    await store.write(first, null, AUDIT);
    let raced = false;
    emulator.faults.add({
      match: {
        method: 'POST',
        path: '/v1/secret/data/hub',
        where: () => {
          if (!raced) emulator.secret('secret/hub').write({ value: 'winner' });
          raced = true;
          return false;
        },
      },
      fault: { latencyMs: 0 },
    });

    // Act
    const error = await failureOf(store.write(second, '1', AUDIT));

    // Assess
    expect(raced).toBe(true);
    expect(error).toBeInstanceOf(ConflictError);
    expect(emulator.secret('secret/hub').read()).toEqual({ value: 'winner' });
    expect(emulator.secret('secret/hub').currentVersion).toBe(2);
  });

  it('treats its own write, applied before the connection dropped, as done', async () => {
    // Prepare
    await store.write(first, null, AUDIT);
    emulator.faults.add({
      match: { method: 'POST', path: '/v1/secret/data/hub' },
      fault: { reset: true, afterApply: true },
    });

    // Act
    const version = await store.write(second, '1', AUDIT);

    // Assess
    expect(version).toBe('2');
    expect(emulator.secret('secret/hub').currentVersion).toBe(2);
    expect((await store.read())?.set).toEqual(second);
  });

  it('records who wrote and why in the custom metadata', async () => {
    // Act
    await store.write(first, null, AUDIT);

    // Assess
    const custom = emulator.secret('secret/hub').metadata()?.customMetadata;
    expect(custom).toMatchObject(AUDIT_METADATA);
    expect(custom?.['updated_at']).toMatch(/^\d{4}-\d{2}-\d{2}T.*Z$/);
  });

  it('keeps the set written and warns when the audit metadata is refused', async () => {
    // Prepare
    const lines: string[] = [];
    const env = { VAULT_ADDR: emulator.url, VAULT_TOKEN: emulator.rootToken };
    const client = await connectVault(env, { retry: FAST });
    const logged = createVaultStore(
      'secret/hub',
      client,
      jsonLogger((l) => lines.push(l)),
    );
    emulator.faults.add({
      match: { method: 'POST', path: '/v1/secret/metadata/hub' },
      fault: { status: 403 },
    });

    // Act
    const version = await logged.write(first, null, AUDIT);

    // Assess
    expect(version).toBe('1');
    expect((await logged.read())?.set).toEqual(first);
    const warning = lines.map((l) => JSON.parse(l)).find((l) => l.level === 'warn');
    expect(warning).toMatchObject({
      message: 'CA set written, but who and why could not be recorded in Vault',
      storeVersion: 1,
      reason: expect.stringMatching(/^permission denied writing secret\/metadata\/hub/),
    });
  });
});

describe('the archive', () => {
  it('archives the current set before it is overwritten', async () => {
    // Prepare
    await store.write(first, null, AUDIT);

    // Act
    await store.write(second, '1', AUDIT);
    const entries = await store.listArchive();

    // Assess
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ version: '1', id: expect.stringMatching(/-v1$/) });
    expect(hubCa(await store.readArchive(entries[0]!.id))).toBe(hubCa(first));
    const dataWrites = emulator
      .writes()
      .map((r) => r.path)
      .filter((p) => p.startsWith('/v1/secret/data/'));
    expect(dataWrites).toEqual([
      '/v1/secret/data/hub',
      `/v1/secret/data/hub-archive/${entries[0]!.id}`,
      '/v1/secret/data/hub',
    ]);
  });

  it('keeps every earlier set readable after more writes than Vault keeps versions', async () => {
    // Prepare
    const sets = [first, second];
    while (sets.length < 11) sets.push((await makeHub()).set);

    // Act
    let version: string | null = null;
    for (const set of sets) version = await store.write(set, version, AUDIT);
    const entries = await store.listArchive();

    // Assess: Vault dropped version 1, the archive did not.
    expect(emulator.secret('secret/hub').versions()).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(entries.map((e) => e.version)).toEqual([
      '10',
      '9',
      '8',
      '7',
      '6',
      '5',
      '4',
      '3',
      '2',
      '1',
    ]);
    for (const entry of entries) {
      const archived = await store.readArchive(entry.id);
      expect(hubCa(archived)).toBe(hubCa(sets[Number(entry.version) - 1]!));
    }
  });

  it('archives the same version once when a write is repeated', async () => {
    // Prepare: a first attempt archived version 1, then failed before writing.
    await store.write(first, null, AUDIT);
    emulator.faults.add({
      match: { method: 'POST', path: '/v1/secret/data/hub' },
      fault: { status: 403 },
    });
    await failureOf(store.write(second, '1', AUDIT));

    // Act
    const version = await store.write(second, '1', AUDIT);

    // Assess
    expect(version).toBe('2');
    expect(await store.listArchive()).toHaveLength(1);
  });

  it('lists nothing before the first overwrite and refuses an unknown id', async () => {
    // Prepare
    await store.write(first, null, AUDIT);

    // Act
    const entries = await store.listArchive();
    const missing = await failureOf(store.readArchive('20261203T120000Z-v7'));
    const malformed = await failureOf(store.readArchive('../hub'));

    // Assess
    expect(entries).toEqual([]);
    expect(missing).toBeInstanceOf(StoreError);
    expect((missing as Error).message).toMatch(/archive 20261203T120000Z-v7 does not exist/);
    expect((malformed as Error).message).toMatch(/is not an archive id/);
  });
});

describe('refusing what cannot be trusted', () => {
  it('refuses a deleted latest version instead of falling back, naming the undelete', async () => {
    // Prepare
    await store.write(first, null, AUDIT);
    await store.write(second, '1', AUDIT);
    emulator.secret('secret/hub').deleteLatest();

    // Act
    const read = await failureOf(store.read());
    const write = await failureOf(store.write(first, '2', AUDIT));

    // Assess
    expect(read).toBeInstanceOf(StoreError);
    expect((read as Error).message).toMatch(/latest version \(2\) of vault:secret\/hub#value/);
    expect((read as Error).message).toMatch(/vault kv undelete -mount=secret -versions=2 hub/);
    expect(write).toBeInstanceOf(StoreError);
    expect(emulator.secret('secret/hub').currentVersion).toBe(2);
  });

  it('names the reference and the field when the field is missing', async () => {
    // Prepare
    emulator.secret('secret/hub').write({ other: 'x' });

    // Act
    const error = await failureOf(store.read());

    // Assess
    expect(error).toBeInstanceOf(CertSetError);
    expect((error as Error).message).toMatch(/vault:secret\/hub#value.*no field "value"/);
    expect((error as Error).message).toMatch(/fields: "other"/);
  });

  it('names the reference when the field holds no tarball', async () => {
    // Prepare
    emulator.secret('secret/hub').write({ value: 'bm90IGd6aXA=' });

    // Act
    const error = await failureOf(store.read());

    // Assess
    expect(error).toBeInstanceOf(CertSetError);
    expect((error as Error).message).toMatch(/vault:secret\/hub#value/);
  });

  it('names the missing file of a tarball without a full CA set', async () => {
    // Prepare
    const partial = packStoreTarball(
      new Map([['hub-ca/hub-ca.crt', Buffer.from('x')]]),
      new Date(),
    );
    emulator.secret('secret/hub').write({ value: partial.toString('base64') });

    // Act
    const error = await failureOf(store.read());

    // Assess
    expect(error).toBeInstanceOf(CertSetError);
    expect((error as Error).message).toMatch(/vault:secret\/hub#value/);
  });

  it('reads a field other than value when the reference names it', async () => {
    // Prepare
    const other = await open('secret/hub#tarball');
    await other.write(first, null, AUDIT);

    // Act
    const read = await other.read();

    // Assess
    expect(Object.keys(emulator.secret('secret/hub').read() ?? {})).toEqual(['tarball']);
    expect(read?.set).toEqual(first);
  });
});

describe('documents beside the CA set', () => {
  it('creates, updates and removes a document with check-and-set', async () => {
    // Act
    const created = await store.documents.write('plan', '{"a":1}', null);
    const again = await failureOf(store.documents.write('plan', '{"a":2}', null));
    const updated = await store.documents.write('plan', '{"a":3}', created);
    const stale = await failureOf(store.documents.write('plan', '{"a":4}', created));
    await store.documents.remove('plan', updated);
    const removed = await store.documents.read('plan');
    // A plan holds private keys: no earlier version may stay readable in the history.
    const history = [1, 2].map((v) => emulator.secret('secret/hub-hubcerts/plan').read(v));
    const recreated = await store.documents.write('plan', '{"a":5}', null);

    // Assess
    expect([created, updated, recreated]).toEqual(['1', '2', '3']);
    expect(again).toBeInstanceOf(ConflictError);
    expect(stale).toBeInstanceOf(ConflictError);
    expect(removed).toBeNull();
    expect(history.every((data) => data === undefined || data === null)).toBe(true);
    expect(await store.documents.read('plan')).toEqual({ text: '{"a":5}', version: '3' });
    expect(emulator.secret('secret/hub-hubcerts/plan').read()).toEqual({ text: '{"a":5}' });
  });

  it('refuses to remove a document that changed since it was read', async () => {
    // Prepare
    const v1 = await store.documents.write('journal', 'one', null);
    await store.documents.write('journal', 'two', v1);

    // Act
    const error = await failureOf(store.documents.remove('journal', v1));

    // Assess
    expect(error).toBeInstanceOf(ConflictError);
    expect((await store.documents.read('journal'))?.text).toBe('two');
  });
});

describe('least privilege', () => {
  it('needs no more than the policy the README lists', async () => {
    // Prepare: the README's policy for a store at secret/hub.
    const token = emulator.createToken({
      policy: {
        'secret/data/hub': ['create', 'read', 'update'],
        'secret/metadata/hub': ['update'],
        'secret/data/hub-archive/*': ['create', 'read'],
        // Vault appends a slash to a LIST path before checking; the emulator does not.
        'secret/metadata/hub-archive': ['list'],
        'secret/data/hub-hubcerts/*': ['create', 'read', 'update'],
        'secret/destroy/hub-hubcerts/*': ['update'],
      },
    });
    const limited = await open('secret/hub#value', token);

    // Act
    await limited.write(first, null, AUDIT);
    await limited.write(second, '1', AUDIT);
    const [entry] = await limited.listArchive();
    const archived = await limited.readArchive(entry!.id);
    const plan = await limited.documents.write('plan', 'p', null);
    await limited.documents.remove('plan', plan);

    // Assess
    expect(hubCa(archived)).toBe(hubCa(first));
    expect((await limited.read())?.set).toEqual(second);
    expect(emulator.secret('secret/hub').metadata()?.customMetadata).toMatchObject(AUDIT_METADATA);
    expect(emulator.requests.filter((r) => r.status === 403)).toEqual([]);
  });
});
