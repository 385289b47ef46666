/**
 * Server state endpoints: `sys/health`, whose status code tells load balancers and clients
 * what the node can do, and `sys/seal-status`.
 */
import type { Reply } from '../server.js';

/** What the emulated node is: the active node, a standby, sealed, or not initialised. */
export type VaultMode = 'active' | 'standby' | 'sealed' | 'uninitialized';

export const VAULT_VERSION = '1.17.2';

/** Status codes as Vault chooses them, including the query overrides clients may send. */
export function health(mode: VaultMode, query: Readonly<Record<string, string>>): Reply {
  const code = (name: string, fallback: number) => {
    const given = Number.parseInt(query[name] ?? '', 10);
    return Number.isInteger(given) ? given : fallback;
  };
  let status: number;
  if (mode === 'uninitialized') status = code('uninitcode', 501);
  else if (mode === 'sealed') status = code('sealedcode', 503);
  else if (mode === 'standby' && query['standbyok'] !== 'true') status = code('standbycode', 429);
  else status = code('activecode', 200);

  const running = mode === 'active' || mode === 'standby';
  return {
    status,
    body: {
      initialized: mode !== 'uninitialized',
      sealed: !running,
      standby: mode === 'standby',
      performance_standby: false,
      replication_performance_mode: 'disabled',
      replication_dr_mode: 'disabled',
      server_time_utc: Math.floor(Date.now() / 1000),
      version: VAULT_VERSION,
      enterprise: false,
      ...(running ? { cluster_name: 'vault-cluster-emulated', cluster_id: 'emulated' } : {}),
      echo_duration_ms: 0,
      clock_skew_ms: 0,
    },
  };
}

export function sealStatus(mode: VaultMode): Reply {
  const running = mode === 'active' || mode === 'standby';
  return {
    status: 200,
    body: {
      type: 'shamir',
      initialized: mode !== 'uninitialized',
      sealed: !running,
      t: 1,
      n: 1,
      progress: 0,
      nonce: '',
      version: VAULT_VERSION,
      migration: false,
      recovery_seal: false,
      storage_type: 'inmem',
    },
  };
}
