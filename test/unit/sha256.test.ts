import { SignatureV4 } from '@smithy/signature-v4';
import { describe, expect, it } from 'vitest';
import { Sha256 } from '../../lib/credentials/sha256.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('Sha256 for the SigV4 signer', () => {
  it('hashes text and bytes alike (FIPS 180-2 test vector "abc")', async () => {
    // Prepare
    const fromText = new Sha256();
    const fromBytes = new Sha256();
    const abc = new TextEncoder().encode('xabcx').subarray(1, 4);

    // Act
    fromText.update('abc');
    fromBytes.update(abc);

    // Assess
    const expected = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(hex(await fromText.digest())).toBe(expected);
    expect(hex(await fromBytes.digest())).toBe(expected);
  });

  it('computes HMAC-SHA256 when given a key (RFC 4231 test case 2)', async () => {
    // Prepare
    const hmac = new Sha256(new TextEncoder().encode('Jefe').buffer);

    // Act
    hmac.update('what do ya want ');
    hmac.update('for nothing?');

    // Assess
    expect(hex(await hmac.digest())).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it("lets smithy's signer reproduce the signature of AWS's documented example", async () => {
    // Prepare: the IAM ListUsers example of the SigV4 documentation.
    const signer = new SignatureV4({
      service: 'iam',
      region: 'us-east-1',
      credentials: {
        accessKeyId: 'AKIDEXAMPLE',
        secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
      },
      sha256: Sha256,
      applyChecksum: false,
    });

    // Act
    const signed = await signer.sign(
      {
        method: 'GET',
        protocol: 'https:',
        hostname: 'iam.amazonaws.com',
        path: '/',
        query: { Action: 'ListUsers', Version: '2010-05-08' },
        headers: {
          host: 'iam.amazonaws.com',
          'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        },
      },
      { signingDate: new Date('2015-08-30T12:36:00Z') },
    );

    // Assess
    expect(signed.headers['authorization']).toBe(
      'AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, ' +
        'SignedHeaders=content-type;host;x-amz-date, ' +
        'Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7',
    );
  });
});
