// client-node's SOCKS proxy support, for a cluster whose `proxy-url` is socks5://.
import notBundled from './not-bundled.cjs';

export class SocksProxyAgent {
  constructor() {
    throw notBundled('A SOCKS proxy-url in a kubeconfig');
  }
}

export const SocksClient = {
  createConnection() {
    throw notBundled('A SOCKS proxy-url in a kubeconfig');
  },
};
