import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConsumers } from '../../lib/backends.js';
import { parseConsumerRef } from '../../lib/cluster/consumer-ref.js';
import { ConfigError, ConflictError } from '../../lib/errors.js';
import { tempDir } from '../helpers/hub.js';

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('hubcerts-consumers-'));
});

afterAll(async () => {
  await cleanup();
});

describe('trust-bundle copy references', () => {
  it.each([
    [
      'jobs/configmap/lab-trust#notebooks-ca_trust.crt',
      { kind: 'k8s', namespace: 'jobs', resource: 'configmap', name: 'lab-trust' },
      'notebooks-ca_trust.crt',
      'notebooks-ca',
    ],
    [
      'k8s:monitoring/Secret/hub-ca#ca.crt=hub-ca',
      { kind: 'k8s', namespace: 'monitoring', resource: 'secret', name: 'hub-ca' },
      'ca.crt',
      'hub-ca',
    ],
  ])('reads %s', (ref, expected, key, bundle) => {
    // Act
    const parsed = parseConsumerRef(ref);

    // Assess
    expect(parsed).toMatchObject({ ...expected, key, bundle, ref });
  });

  it.each([
    ['file:/shared/jupyter/notebooks-ca_trust.crt', 'notebooks-ca'],
    ['file:./trust.pem#proxy-client-ca', 'proxy-client-ca'],
    ['file:./trust.pem#services-ca_trust.crt', 'services-ca'],
  ])('reads %s as the %s bundle', (ref, bundle) => {
    expect(parseConsumerRef(ref)).toMatchObject({ kind: 'file', bundle });
  });

  it.each([
    ['jobs/configmap/lab-trust', /must be NAMESPACE\/configmap\/NAME#KEY/],
    ['jobs/deployment/lab#notebooks-ca_trust.crt', /names kind deployment/],
    ['Jobs/configmap/lab#notebooks-ca_trust.crt', /invalid namespace "Jobs"/],
    ['jobs/configmap/lab#ca.crt', /names no trust bundle/],
    ['jobs/configmap/lab#ca.crt=user-ca', /names no trust bundle/],
    ['file:./trust.pem', /names no trust bundle/],
    ['file:#notebooks-ca', /must be file:PATH#CA/],
  ])('refuses %s, naming the entry', (ref, why) => {
    // Act
    const error = (() => {
      try {
        parseConsumerRef(ref);
      } catch (e) {
        return e;
      }
    })();

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain(JSON.stringify(ref));
    expect((error as Error).message).toMatch(why);
  });

  it('refuses a bad entry among good ones before opening any', async () => {
    // Act
    const error = await openConsumers(
      [`file:${dir}/a_trust.crt#notebooks-ca`, 'jobs/configmap/x#nothing'],
      { env: {} },
    ).catch((e) => e);

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
  });
});

describe('a trust-bundle copy in a file', () => {
  it('is created, replaced only at the version read, and readable by everyone', async () => {
    // Prepare
    const path = join(dir, 'jobs', 'notebooks-ca_trust.crt');
    const [copy] = await openConsumers([`file:${path}`], { env: {} });

    // Act
    const absent = await copy!.read();
    const first = await copy!.write('FIRST\n', null);
    const stale = await copy!.write('LOST\n', null).catch((e) => e);
    await copy!.write('SECOND\n', first);

    // Assess
    expect(absent).toBeNull();
    expect(stale).toBeInstanceOf(ConflictError);
    expect(await readFile(path, 'utf8')).toBe('SECOND\n');
    expect((await stat(path)).mode & 0o777).toBe(0o644);
    expect(copy!.bundle).toBe('notebooks-ca');
  });
});
