/**
 * Fetches the certificate a live endpoint serves (TLS handshake only, no HTTP), so the scan
 * can tell a proxy that was never restarted onto the published certificate.
 */
import { connect } from 'node:tls';
import { ClusterError } from '../errors.js';

/** Parses `host:port` (IPv6 as `[::1]:443`). */
export function parseEndpoint(target: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})$/.exec(target);
  const port = Number(match?.[3]);
  if (!match || port < 1 || port > 65535) {
    throw new ClusterError(`probe ${JSON.stringify(target)} is not HOST:PORT`);
  }
  return { host: (match[1] ?? match[2])!, port };
}

/** The DER of the certificate `target` presents, for server name `servername`. */
export function fetchServedCertificate(
  target: string,
  timeoutMs = 10_000,
  servername?: string,
): Promise<Buffer> {
  const { host, port } = parseEndpoint(target);
  const sni = servername ?? (/^[\d.]+$|:/.test(host) ? undefined : host);
  return new Promise((resolve, reject) => {
    // Verification is off on purpose: the point is to see what is served, trusted or not.
    const socket = connect({ host, port, servername: sni, rejectUnauthorized: false });
    const fail = (why: string, cause?: unknown) => {
      socket.destroy();
      reject(new ClusterError(`probe ${target}: ${why}`, { cause, retryable: true }));
    };
    socket.setTimeout(timeoutMs, () => fail(`no TLS handshake within ${timeoutMs} ms`));
    socket.once('error', (error) => fail(error.message, error));
    socket.once('secureConnect', () => {
      const cert = socket.getPeerCertificate();
      socket.end();
      if (!cert?.raw) fail('the endpoint presented no certificate');
      else resolve(cert.raw);
    });
  });
}
