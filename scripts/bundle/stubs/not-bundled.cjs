// The error every stand-in below throws when, against expectation, it is used.
'use strict';

module.exports = function notBundled(feature) {
  return new Error(
    `${feature} is not supported by the hubcerts Lambda bundles (scripts/bundle/plugins.cjs); ` +
      'give the functions a kubeconfig with a token or a client certificate',
  );
};
