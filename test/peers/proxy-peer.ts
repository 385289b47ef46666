/**
 * The real configurable-http-proxy (the proxy JupyterHub runs), started on loopback with
 * the Secret's files mounted as Zero to JupyterHub mounts them, and a TLS client that
 * trusts only what a lab trusts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { REPO } from '../helpers/cli.js';
import { requirePeer } from '../helpers/peers.js';

const BIN = join(REPO, 'node_modules', '.bin', 'configurable-http-proxy');

export interface RunningProxy {
  port: number;
  stop(): Promise<void>;
}

/** Writes Secret data as mounted files and starts the proxy on them. */
export async function startProxy(data: Record<string, Buffer>, dir: string): Promise<RunningProxy> {
  requirePeer(BIN, ['--version']);
  await mkdir(dir, { recursive: true });
  for (const [key, value] of Object.entries(data))
    await writeFile(join(dir, key), value, { mode: 0o600 });
  const [port, apiPort] = [await freePort(), await freePort()];
  const file = (key: string) => join(dir, key);
  const child = spawn(
    BIN,
    [
      '--ip=127.0.0.1',
      `--port=${port}`,
      '--api-ip=127.0.0.1',
      `--api-port=${apiPort}`,
      `--ssl-key=${file('proxy-client_proxy-client.key')}`,
      `--ssl-cert=${file('proxy-client_proxy-client.crt')}`,
      `--api-ssl-key=${file('proxy-api_proxy-api.key')}`,
      `--api-ssl-cert=${file('proxy-api_proxy-api.crt')}`,
      `--api-ssl-ca=${file('proxy-api-ca_trust.crt')}`,
      `--client-ssl-key=${file('proxy-client_proxy-client.key')}`,
      `--client-ssl-cert=${file('proxy-client_proxy-client.crt')}`,
      `--client-ssl-ca=${file('proxy-client-ca_trust.crt')}`,
      '--default-target=http://127.0.0.1:9',
      '--log-level=warn',
    ],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, CONFIGPROXY_AUTH_TOKEN: 'test-token' },
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += chunk;
  });
  await waitForPort(port, child, () => stderr);
  return { port, stop: () => stop(child) };
}

/** Connects with TLS trusting only `ca`, asking for `servername`; resolves the served cert DER. */
export function tlsHandshake(
  port: number,
  servername: string,
  ca: Buffer | string,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, servername, ca, timeout: 5000 });
    socket.once('secureConnect', () => {
      const raw = socket.getPeerCertificate().raw;
      socket.end();
      resolve(raw);
    });
    socket.once('error', (error) => {
      socket.destroy();
      reject(error);
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error('TLS handshake timed out'));
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

async function waitForPort(port: number, child: ChildProcess, stderr: () => string) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`configurable-http-proxy exited: ${stderr()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = netConnect(port, '127.0.0.1');
      socket.once('connect', () => socket.end(() => resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill();
  throw new Error(`configurable-http-proxy did not listen on ${port} within 15 s: ${stderr()}`);
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
