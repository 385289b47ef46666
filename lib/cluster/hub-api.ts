/**
 * The one question hubcerts asks JupyterHub's REST API: which users have a server running
 * (or starting)? A CA rotation cuts every such lab off, so the answer decides whether a
 * rotation may go ahead. Pages are fetched with JupyterHub's pagination media type; a hub
 * too old to paginate answers with a plain list, which is read as one page.
 */
import { ClusterError, messageOf } from '../errors.js';

/** One running or starting server: `alice` (default server) or `alice/gpu` (named). */
export interface ActiveServer {
  user: string;
  server: string;
  ready: boolean;
  started?: string;
}

/** Where running labs are looked up. */
export interface ActiveServerSource {
  /** The API as configured, without credentials, for messages. */
  readonly ref: string;
  list(): Promise<ActiveServer[]>;
}

const PAGINATION = 'application/jupyterhub-pagination+json';
const PAGE = 200;
/** A hub with more users than this is answered from the pages read so far, never looped on. */
const MAX_PAGES = 500;

interface UserModel {
  name?: unknown;
  server?: unknown;
  pending?: unknown;
  servers?: Record<string, { ready?: unknown; started?: unknown }>;
}

/** JupyterHub's REST API at `url` (the hub, or its `/hub/api`), with an API token. */
export class JupyterHubApi implements ActiveServerSource {
  readonly ref: string;
  private readonly base: string;

  constructor(
    url: string,
    private readonly token: string | undefined,
    private readonly options: { timeoutMs?: number; fetch?: typeof fetch } = {},
  ) {
    const trimmed = url.replace(/\/+$/, '');
    // Operators give either the hub's address or its API address; both are accepted.
    this.base = trimmed.endsWith('/hub/api') ? trimmed : `${trimmed}/hub/api`;
    this.ref = this.base;
  }

  async list(): Promise<ActiveServer[]> {
    const active: ActiveServer[] = [];
    for (let offset = 0, page = 0; page < MAX_PAGES; page++) {
      const body = await this.get(`/users?state=active&offset=${offset}&limit=${PAGE}`);
      const items = Array.isArray(body) ? body : (body as { items?: unknown }).items;
      if (!Array.isArray(items)) {
        throw new ClusterError(`JupyterHub API ${this.ref} answered /users with no user list`);
      }
      for (const user of items as UserModel[]) active.push(...serversOf(user));
      // Follow the offset, never the `next.url` of the answer: it may name another host,
      // and the token must go to the configured API only.
      const next = Array.isArray(body) ? null : paginationNext(body);
      if (next === null) break;
      offset = next;
    }
    return active;
  }

  private async get(path: string): Promise<unknown> {
    const fetchImpl = this.options.fetch ?? globalThis.fetch;
    const headers: Record<string, string> = { accept: `${PAGINATION}, application/json` };
    if (this.token) headers.authorization = `token ${this.token}`;
    let response: Response;
    try {
      response = await fetchImpl(`${this.base}${path}`, {
        headers,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new ClusterError(`JupyterHub API ${this.ref} cannot be reached: ${messageOf(error)}`, {
        cause: error,
        retryable: true,
      });
    }
    if (!response.ok) {
      const why =
        response.status === 403 || response.status === 401
          ? 'the token was refused (it needs the list:users and read:servers scopes)'
          : `status ${response.status}`;
      throw new ClusterError(`JupyterHub API ${this.ref} answered /users with ${why}`, {
        retryable: response.status >= 500,
      });
    }
    try {
      return await response.json();
    } catch (error) {
      throw new ClusterError(`JupyterHub API ${this.ref} answered /users with no JSON`, {
        cause: error,
      });
    }
  }
}

function paginationNext(body: unknown): number | null {
  const next = (body as { _pagination?: { next?: { offset?: unknown } | null } })._pagination?.next;
  return typeof next?.offset === 'number' ? next.offset : null;
}

/** The servers of one user model; a hub that hides `servers` still shows `server`/`pending`. */
function serversOf(user: UserModel): ActiveServer[] {
  const name = typeof user.name === 'string' ? user.name : '?';
  if (user.servers && typeof user.servers === 'object') {
    return Object.entries(user.servers).map(([server, model]) => ({
      user: name,
      server,
      ready: model?.ready === true,
      started: typeof model?.started === 'string' ? model.started : undefined,
    }));
  }
  if (user.server || user.pending) {
    return [{ user: name, server: '', ready: Boolean(user.server) }];
  }
  return [];
}
