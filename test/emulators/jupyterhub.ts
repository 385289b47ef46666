/**
 * The part of JupyterHub's REST API hubcerts reads before a CA rotation: version info and
 * the users with their running servers, plain or paginated
 * (`Accept: application/jupyterhub-pagination+json`). Tests add users and start or stop
 * their servers directly.
 */
import { STATUS_CODES } from 'node:http';
import type { StatusFault } from './faults.js';
import { Emulator, type EmulatorOptions, type RecordedRequest, type Reply } from './server.js';

export interface JupyterHubOptions extends EmulatorOptions {
  /** API tokens the hub accepts; default `['hub-token']`. */
  tokens?: string[];
  version?: string;
}

export interface ServerSeed {
  /** Default true; false means the spawn is still pending. */
  ready?: boolean;
  lastActivity?: Date;
}

export interface UserSeed {
  admin?: boolean;
  groups?: string[];
  /** Running servers by name; `''` is the default server. */
  servers?: Record<string, ServerSeed>;
}

interface HubServer {
  ready: boolean;
  startedMs: number;
  lastActivityMs: number;
}

interface HubUser {
  name: string;
  admin: boolean;
  groups: string[];
  createdMs: number;
  servers: Map<string, HubServer>;
}

const API = '/hub/api';
const PAGINATION = 'application/jupyterhub-pagination+json';
const PAGE_LIMIT = 200;

export class JupyterHubEmulator extends Emulator {
  readonly version: string;
  readonly #tokens: Set<string>;
  readonly #users = new Map<string, HubUser>();

  private constructor(options: JupyterHubOptions) {
    super();
    this.version = options.version ?? '5.2.1';
    this.#tokens = new Set(options.tokens ?? ['hub-token']);
  }

  static async start(options: JupyterHubOptions = {}): Promise<JupyterHubEmulator> {
    const emulator = new JupyterHubEmulator(options);
    await emulator.listen(options.tls);
    return emulator;
  }

  addUser(name: string, seed: UserSeed = {}): void {
    const user: HubUser = {
      name,
      admin: seed.admin ?? false,
      groups: seed.groups ?? [],
      createdMs: Date.now(),
      servers: new Map(),
    };
    this.#users.set(name, user);
    for (const [server, serverSeed] of Object.entries(seed.servers ?? {})) {
      this.startServer(name, server, serverSeed);
    }
  }

  removeUser(name: string): void {
    this.#users.delete(name);
  }

  startServer(user: string, server = '', seed: ServerSeed = {}): void {
    const found = this.#users.get(user);
    if (found === undefined) throw new Error(`no JupyterHub user ${user}`);
    const now = Date.now();
    found.servers.set(server, {
      ready: seed.ready ?? true,
      startedMs: now,
      lastActivityMs: seed.lastActivity?.getTime() ?? now,
    });
  }

  stopServer(user: string, server = ''): void {
    this.#users.get(user)?.servers.delete(server);
  }

  protected override handle(request: RecordedRequest): Reply {
    const path = request.path.replace(/\/$/, '');
    if (request.method !== 'GET') return hubError(405);
    if (path === API) return { status: 200, body: { version: this.version } };
    if (!path.startsWith(`${API}/`)) return hubError(404);
    if (!this.#tokens.has(tokenOf(request) ?? '')) {
      return hubError(403, 'Missing or invalid credentials.');
    }
    if (path === `${API}/info`) return { status: 200, body: this.#info() };
    if (path === `${API}/users`) return this.#listUsers(request);
    const single = path.match(/^\/hub\/api\/users\/([^/]+)$/);
    const user = single ? this.#users.get(decodeURIComponent(single[1] ?? '')) : undefined;
    return user ? { status: 200, body: userModel(user) } : hubError(404);
  }

  protected override faultReply(_request: RecordedRequest, fault: StatusFault): Reply {
    return hubError(fault.status);
  }

  #listUsers(request: RecordedRequest): Reply {
    const state = request.query['state'];
    const wanted = (s: HubServer) => (state === 'ready' ? s.ready : true);
    const users = [...this.#users.values()]
      .filter((u) => {
        const active = [...u.servers.values()].some(wanted);
        if (state === 'inactive') return u.servers.size === 0;
        return state === 'active' || state === 'ready' ? active : true;
      })
      .map((u) => userModel(u, wanted));
    const offset = Math.max(0, Number(request.query['offset'] ?? 0) || 0);
    const asked = Number(request.query['limit'] ?? PAGE_LIMIT) || PAGE_LIMIT;
    const limit = Math.min(Math.max(1, asked), PAGE_LIMIT);
    const items = users.slice(offset, offset + limit);
    if (!(request.headers.accept ?? '').includes(PAGINATION)) return { status: 200, body: items };

    let next = null;
    if (offset + limit < users.length) {
      const query = new URLSearchParams({ ...request.query, offset: String(offset + limit) });
      query.set('limit', String(limit));
      const url = `${this.url}${API}/users?${query.toString()}`;
      next = { offset: offset + limit, limit, url };
    }
    const _pagination = { offset, limit, total: users.length, next };
    return { status: 200, body: { items, _pagination } };
  }

  #info() {
    return {
      version: this.version,
      python: '3.12.7',
      sys_executable: '/usr/local/bin/python3',
      spawner: { class: 'kubespawner.spawner.KubeSpawner', version: '7.0.0' },
      authenticator: { class: 'oauthenticator.generic.GenericOAuthenticator', version: '17.1.0' },
    };
  }
}

function userModel(user: HubUser, keep: (s: HubServer) => boolean = () => true) {
  const servers = Object.fromEntries(
    [...user.servers]
      .filter(([, s]) => keep(s))
      .map(([name, s]) => [name, serverModel(user.name, name, s)]),
  );
  const primary = user.servers.get('');
  return {
    kind: 'user',
    name: user.name,
    admin: user.admin,
    roles: user.admin ? ['admin', 'user'] : ['user'],
    groups: user.groups,
    server: primary?.ready ? `/user/${user.name}/` : null,
    pending: primary && !primary.ready ? 'spawn' : null,
    created: isoTime(user.createdMs),
    last_activity: primary ? isoTime(primary.lastActivityMs) : null,
    servers,
  };
}

function serverModel(user: string, name: string, server: HubServer) {
  const path = name === '' ? `${user}/` : `${user}/${name}/`;
  const progress = name === '' ? 'server/progress' : `servers/${name}/progress`;
  return {
    name,
    full_name: path,
    last_activity: isoTime(server.lastActivityMs),
    started: isoTime(server.startedMs),
    pending: server.ready ? null : 'spawn',
    ready: server.ready,
    stopped: false,
    url: `/user/${path}`,
    user_options: {},
    progress_url: `${API}/users/${user}/${progress}`,
    full_url: null,
    full_progress_url: null,
  };
}

/** JupyterHub prints UTC times with microseconds and a `Z`. */
function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function tokenOf(request: RecordedRequest): string | undefined {
  const header = request.headers.authorization?.match(/^(?:token|bearer)\s+(.+)$/i);
  return header?.[1] ?? request.query['token'];
}

function hubError(status: number, message = STATUS_CODES[status] ?? 'Error'): Reply {
  return { status, body: { status, message } };
}
