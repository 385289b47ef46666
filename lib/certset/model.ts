/**
 * The JupyterHub internal-SSL model: which authorities exist, which leaves each signs, and
 * which CA certificates each trust bundle holds (JupyterHub's `init_internal_ssl`, design
 * section 3). Everything else in `certset/` is derived from these tables.
 */

/** The five authorities, in the order JupyterHub lists them. */
export const CA_NAMES = [
  'hub-ca',
  'notebooks-ca',
  'proxy-api-ca',
  'proxy-client-ca',
  'services-ca',
] as const;
export type CaName = (typeof CA_NAMES)[number];

/** The leaves hubcerts issues, each with its signing CA. */
export const LEAF_NAMES = ['proxy-api', 'proxy-client'] as const;
export type LeafName = (typeof LEAF_NAMES)[number];

export const LEAF_ISSUER: Readonly<Record<LeafName, CaName>> = {
  'proxy-api': 'proxy-api-ca',
  'proxy-client': 'proxy-client-ca',
};

/** Trust bundle contents, in the order the certificates are concatenated. */
export const TRUST_GRAPH: Readonly<Record<CaName, readonly CaName[]>> = {
  'hub-ca': ['hub-ca', 'notebooks-ca', 'proxy-api-ca', 'proxy-client-ca', 'services-ca'],
  'proxy-api-ca': ['hub-ca', 'services-ca', 'notebooks-ca'],
  'proxy-client-ca': ['hub-ca', 'notebooks-ca'],
  'notebooks-ca': ['hub-ca', 'proxy-client-ca'],
  'services-ca': ['hub-ca', 'proxy-api-ca'],
};

/** File name of a CA's trust bundle, at the top of the certipy directory. */
export function bundleFile(ca: CaName): string {
  return `${ca}_trust.crt`;
}

/** A named pair of PEM texts. Keys are PKCS#8 when hubcerts wrote them. */
export interface KeyPair {
  cert: string;
  key: string;
}

/** The CA set as kept in the store: five CAs and their five trust bundles. */
export interface CaSet {
  cas: Record<CaName, KeyPair>;
  bundles: Record<CaName, string>;
}

/** The leaves hubcerts publishes beside the CA set. */
export type Leaves = Record<LeafName, KeyPair>;

export function isCaName(name: string): name is CaName {
  return (CA_NAMES as readonly string[]).includes(name);
}
