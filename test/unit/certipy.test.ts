import { describe, expect, it } from 'vitest';
import {
  buildCertipyStore,
  type CertipyStore,
  certipyDifferences,
  parseCertipyJson,
  renderCertipyJson,
} from '../../lib/certset/certipy.js';

describe('certipy.json', () => {
  it('records every CA as a root and every leaf with its parent, under the prefix', () => {
    const store = buildCertipyStore('/srv/jupyterhub/internal-ssl/');

    expect(store['hub-ca']).toEqual({
      serial: 0,
      is_ca: true,
      parent_ca: '',
      signees: null,
      files: {
        key: '/srv/jupyterhub/internal-ssl/hub-ca/hub-ca.key',
        cert: '/srv/jupyterhub/internal-ssl/hub-ca/hub-ca.crt',
        ca: '',
      },
    });
    expect(store['proxy-client']?.parent_ca).toBe('proxy-client-ca');
    expect(store['proxy-client']?.files.ca).toBe(
      '/srv/jupyterhub/internal-ssl/proxy-client-ca/proxy-client-ca.crt',
    );
    expect(store['proxy-client-ca']?.signees).toEqual({ 'proxy-client': 1 });
  });

  it("keeps the hub's own records and links them to their CA", () => {
    const hubRecord = {
      serial: 0,
      is_ca: false,
      parent_ca: 'hub-ca',
      signees: null,
      files: {
        key: 'internal-ssl/hub-internal/hub-internal.key',
        cert: 'internal-ssl/hub-internal/hub-internal.crt',
        ca: 'internal-ssl/hub-ca/hub-ca.crt',
      },
    };
    const store = buildCertipyStore('internal-ssl', { 'hub-internal': hubRecord });

    expect(store['hub-internal']).toEqual(hubRecord);
    expect(store['hub-ca']?.signees).toEqual({ 'hub-internal': 1 });
  });

  it('compares records by content, not by order or null-versus-empty signees', () => {
    const a = buildCertipyStore('internal-ssl');
    const reordered = Object.fromEntries(Object.entries(a).reverse()) as CertipyStore;
    reordered['hub-ca'] = { ...reordered['hub-ca']!, signees: {} };

    expect(certipyDifferences(a, reordered)).toEqual([]);
    const moved = buildCertipyStore('elsewhere');
    expect(certipyDifferences(a, moved)).toHaveLength(7);
  });

  it('parses what it renders, with four-space indentation like certipy', () => {
    const store = buildCertipyStore('internal-ssl');
    const text = renderCertipyJson(store);
    expect(text).toContain('\n    "hub-ca": {\n        "serial": 0,');
    expect(parseCertipyJson(text, 'x')).toEqual(store);
  });

  it.each([
    ['not JSON', '{', /x is not valid JSON/],
    ['an array', '[]', /x is not a JSON object/],
    [
      'a record without files',
      '{"a": {"serial": 0, "is_ca": true, "parent_ca": "", "signees": null}}',
      /record "a" has no files/,
    ],
    ['a string serial', '{"a": {"serial": "0"}}', /record "a" has no integer serial/],
  ])('refuses %s', (_, text, message) => {
    expect(() => parseCertipyJson(text, 'x')).toThrowError(message);
  });
});
