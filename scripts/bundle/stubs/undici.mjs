// undici, client-node's fetch transport. hubcerts sends its cluster requests over node:https
// (lib/cluster/k8s-client.ts), so nothing in a bundle makes one of these; config.js of
// client-node only names them.
function transportNotBundled() {
  return new Error(
    "client-node's undici transport is not in the hubcerts Lambda bundles " +
      '(scripts/bundle/plugins.cjs): cluster requests go through lib/cluster/k8s-client.ts',
  );
}

export class Agent {
  constructor() {
    throw transportNotBundled();
  }
}

export class ProxyAgent {
  constructor() {
    throw transportNotBundled();
  }
}

export function fetch() {
  return Promise.reject(transportNotBundled());
}
