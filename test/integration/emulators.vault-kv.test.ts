/**
 * The Vault emulator's KV version 2 behaviour, observed through node-vault as hubcerts uses it.
 */
import vault from 'node-vault';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CAS_MISMATCH, CAS_REQUIRED } from '../emulators/vault/wire.js';
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
const write = (path: string, data: object, cas?: number) =>
  client.write(`secret/data/${path}`, { data, ...(cas === undefined ? {} : { options: { cas } }) });

describe('check-and-set', () => {
  it('creates with cas 0 only while the path does not exist', async () => {
    // Prepare
    await write('ca', { value: 'one' }, 0);

    // Act
    const error = await failureOf(write('ca', { value: 'two' }, 0));

    // Assess
    expect(error).toMatchObject({ message: CAS_MISMATCH, response: { statusCode: 400 } });
    expect(emulator.secret('secret/ca').read()).toEqual({ value: 'one' });
  });

  it('updates with cas N only when N is the current version', async () => {
    // Prepare
    await write('ca', { value: 'one' });
    await write('ca', { value: 'two' });

    // Act
    const stale = await failureOf(write('ca', { value: 'stale' }, 1));
    const current = await write('ca', { value: 'three' }, 2);

    // Assess
    expect(stale).toMatchObject({
      response: { statusCode: 400, body: { errors: [CAS_MISMATCH] } },
    });
    expect(current.data).toMatchObject({ version: 3, deletion_time: '', destroyed: false });
  });

  it('refuses a write without cas when the path requires it', async () => {
    // Prepare
    emulator.secret('secret/ca').configure({ casRequired: true });

    // Act
    const error = await failureOf(write('ca', { value: 'one' }));

    // Assess
    expect(error).toMatchObject({ message: CAS_REQUIRED, response: { statusCode: 400 } });
    expect(emulator.secret('secret/ca').currentVersion).toBe(0);
  });

  it('refuses a write without cas when the mount requires it', async () => {
    // Prepare
    const strict = await VaultEmulator.start({ mounts: { kv: { casRequired: true } } });
    const strictClient = vault({ endpoint: strict.url, token: strict.rootToken });

    // Act
    const error = await failureOf(strictClient.write('kv/data/x', { data: { a: 1 } }));
    await strict.close();

    // Assess
    expect(error).toMatchObject({ message: CAS_REQUIRED, response: { statusCode: 400 } });
  });
});

describe('reading versions', () => {
  it('answers a write and a read in the usual envelope', async () => {
    // Act
    const written = await write('ca', { value: 'one' }, 0);
    const read = await client.read('secret/data/ca');

    // Assess
    expect(written).toMatchObject({ lease_id: '', renewable: false, lease_duration: 0 });
    expect(written).toMatchObject({ wrap_info: null, warnings: null, auth: null });
    expect(typeof written.request_id).toBe('string');
    expect(written.data).toMatchObject({ version: 1, custom_metadata: null });
    expect(read.data).toMatchObject({ data: { value: 'one' }, metadata: { version: 1 } });
  });

  it('reads an older version with ?version=N', async () => {
    // Prepare
    await write('ca', { value: 'one' });
    await write('ca', { value: 'two' });

    // Act
    const old = await client.read('secret/data/ca?version=1');

    // Assess
    expect(old.data.data).toEqual({ value: 'one' });
    expect(old.data.metadata.version).toBe(1);
  });

  it('answers a missing path with 404 and an empty error list', async () => {
    // Act
    const error = await failureOf(client.read('secret/data/missing'));

    // Assess
    expect(error).toMatchObject({ message: 'Status 404', response: { statusCode: 404 } });
    expect((error as { response: { body: unknown } }).response.body).toEqual({ errors: [] });
  });

  it('answers a soft-deleted version with 404, its metadata and no older data', async () => {
    // Prepare
    await write('ca', { value: 'one' });
    await write('ca', { value: 'two' });
    await client.delete('secret/data/ca');

    // Act
    const error = await failureOf(client.read('secret/data/ca'));

    // Assess
    expect(error).toMatchObject({
      response: {
        statusCode: 404,
        body: { data: { data: null, metadata: { version: 2, destroyed: false } } },
      },
    });
    const { response } = error as { response: { body: { data: { metadata: object } } } };
    expect(response.body.data.metadata).toHaveProperty(
      'deletion_time',
      expect.stringMatching(/Z$/),
    );
  });

  it('merges a PATCH into a new version and drops keys set to null', async () => {
    // Prepare
    await write('ca', { value: 'one', stale: 'x' });

    // Act
    const patched = await client.update('secret/data/ca', {
      data: { stale: null, extra: 'y' },
      options: { cas: 1 },
    });

    // Assess
    expect(patched.data.version).toBe(2);
    expect(emulator.secret('secret/ca').read()).toEqual({ value: 'one', extra: 'y' });
  });

  it('undeletes and destroys chosen versions', async () => {
    // Prepare
    await write('ca', { value: 'one' });
    await write('ca', { value: 'two' });
    await client.write('secret/delete/ca', { versions: [1, 2] });

    // Act
    await client.write('secret/undelete/ca', { versions: [2] });
    await client.write('secret/destroy/ca', { versions: [1] });

    // Assess
    expect((await client.read('secret/data/ca')).data.data).toEqual({ value: 'two' });
    const destroyed = await failureOf(client.read('secret/data/ca?version=1'));
    expect(destroyed).toMatchObject({ response: { statusCode: 404 } });
    const metadata = await client.read('secret/metadata/ca');
    expect(metadata.data.versions['1'].destroyed).toBe(true);
  });
});

describe('metadata', () => {
  it('keeps only ten versions by default and drops the older ones for good', async () => {
    // Act
    for (let i = 1; i <= 12; i += 1) await write('ca', { value: i });

    // Assess
    const metadata = await client.read('secret/metadata/ca');
    expect(metadata.data).toMatchObject({ current_version: 12, oldest_version: 3 });
    expect(Object.keys(metadata.data.versions)).toHaveLength(10);
    const pruned = await failureOf(client.read('secret/data/ca?version=2'));
    expect(pruned).toMatchObject({ response: { statusCode: 404, body: { errors: [] } } });
  });

  it('applies max_versions and custom_metadata set through the metadata endpoint', async () => {
    // Prepare
    await write('ca', { value: 1 });
    await write('ca', { value: 2 });

    // Act
    await client.write('secret/metadata/ca', {
      max_versions: 2,
      custom_metadata: { archive: 'secret/archive/ca-2' },
    });
    await write('ca', { value: 3 });

    // Assess
    expect(emulator.secret('secret/ca').versions()).toEqual([2, 3]);
    const read = await client.read('secret/data/ca');
    expect(read.data.metadata.custom_metadata).toEqual({ archive: 'secret/archive/ca-2' });
  });

  it('lists keys and folders with LIST and with GET ?list=true', async () => {
    // Prepare
    await write('hub/ca', { a: 1 });
    await write('hub/archive/1', { a: 1 });

    // Act
    const listed = await client.list('secret/metadata/hub');
    const viaGet = await client.read('secret/metadata/hub?list=true');

    // Assess
    expect(listed.data.keys).toEqual(['archive/', 'ca']);
    expect(viaGet.data.keys).toEqual(['archive/', 'ca']);
    expect(emulator.requests[2]?.method).toBe('LIST');
  });

  it('removes every version when the metadata is deleted', async () => {
    // Prepare
    await write('ca', { a: 1 });

    // Act
    await client.delete('secret/metadata/ca');

    // Assess
    expect(emulator.secret('secret/ca').exists).toBe(false);
    const listing = await failureOf(client.list('secret/metadata/'));
    expect(listing).toMatchObject({ response: { statusCode: 404 } });
  });
});
