// axios, node-vault's default transport. hubcerts gives node-vault its own over node:https
// (lib/store/vault-transport.ts, node-vault's `request-promise` option), so axios is never
// asked for a client; loading it was most of the Vault client's cold start.
'use strict';

module.exports = {
  create() {
    throw new Error(
      'axios is not in the hubcerts Lambda bundles (scripts/bundle/plugins.cjs): node-vault ' +
        'must be given the transport of lib/store/vault-transport.ts',
    );
  },
};
