import { describe, expect, it } from 'vitest';
import type { Env } from '../../lib/backends.js';
import { secretsManagerTarget } from '../../lib/credentials/aws-environment.js';
import { ConfigError } from '../../lib/errors.js';

/** What Lambda sets for every function. */
const LAMBDA: Env = {
  AWS_REGION: 'eu-central-1',
  AWS_ACCESS_KEY_ID: 'ASIAEXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'secret-access-key-value',
  AWS_SESSION_TOKEN: 'session-token-value',
};

const refusalOf = (env: Env) => {
  try {
    secretsManagerTarget(env);
  } catch (error) {
    return error as Error;
  }
  throw new Error('the environment was accepted');
};

describe('the Secrets Manager endpoint', () => {
  it.each([
    ['the regional endpoint by default', {}, 'https://secretsmanager.eu-central-1.amazonaws.com/'],
    [
      'the service variable before the general one',
      {
        AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://127.0.0.1:4566',
        AWS_ENDPOINT_URL: 'http://127.0.0.1:9999',
      },
      'http://127.0.0.1:4566/',
    ],
    [
      'the general variable',
      { AWS_ENDPOINT_URL: 'https://sm.example.org' },
      'https://sm.example.org/',
    ],
    [
      'the regional endpoint when configured URLs are ignored',
      { AWS_ENDPOINT_URL: 'https://sm.example.org', AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: 'true' },
      'https://secretsmanager.eu-central-1.amazonaws.com/',
    ],
    [
      'the China partition for a cn- region',
      { AWS_REGION: 'cn-north-1' },
      'https://secretsmanager.cn-north-1.amazonaws.com.cn/',
    ],
  ])('uses %s', (_, overrides, expected) => {
    // Act
    const target = secretsManagerTarget({ ...LAMBDA, ...overrides });

    // Assess
    expect(target.endpoint.href).toBe(expected);
  });

  it('signs with the region and the three credential variables', () => {
    // Act
    const target = secretsManagerTarget(LAMBDA);

    // Assess
    expect(target).toMatchObject({
      region: 'eu-central-1',
      credentials: {
        accessKeyId: 'ASIAEXAMPLE',
        secretAccessKey: 'secret-access-key-value',
        sessionToken: 'session-token-value',
      },
    });
  });
});

describe('an environment that cannot reach Secrets Manager', () => {
  it.each([
    ['AWS_REGION', { AWS_REGION: undefined }, /^AWS_REGION is not set/],
    ['AWS_ACCESS_KEY_ID', { AWS_ACCESS_KEY_ID: '' }, /^AWS_ACCESS_KEY_ID is not set/],
    [
      'AWS_SECRET_ACCESS_KEY',
      { AWS_SECRET_ACCESS_KEY: undefined },
      /^AWS_SECRET_ACCESS_KEY is not/,
    ],
    ['AWS_REGION', { AWS_REGION: 'eu-central-1.evil.example' }, /^AWS_REGION is not a region/],
    [
      'AWS_ENDPOINT_URL_SECRETS_MANAGER',
      { AWS_ENDPOINT_URL_SECRETS_MANAGER: 'ftp://127.0.0.1' },
      /^AWS_ENDPOINT_URL_SECRETS_MANAGER is not an http or https URL/,
    ],
    ['AWS_ENDPOINT_URL', { AWS_ENDPOINT_URL: 'not a url' }, /^AWS_ENDPOINT_URL is not an http/],
    [
      'AWS_USE_FIPS_ENDPOINT',
      { AWS_USE_FIPS_ENDPOINT: 'true' },
      /^AWS_USE_FIPS_ENDPOINT is not supported: set AWS_ENDPOINT_URL_SECRETS_MANAGER/,
    ],
  ])('is refused naming %s, and never a credential', (_, overrides, message) => {
    // Act
    const error = refusalOf({ ...LAMBDA, ...overrides });

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(message);
    expect(error.message).not.toMatch(/ASIAEXAMPLE|secret-access-key-value|session-token-value/);
  });

  it('works without a session token, for long-term keys', () => {
    // Act
    const target = secretsManagerTarget({ ...LAMBDA, AWS_SESSION_TOKEN: undefined });

    // Assess
    expect(target.credentials).not.toHaveProperty('sessionToken');
  });
});
