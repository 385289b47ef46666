/**
 * The JupyterHub emulator's REST API subset, observed with fetch as hubcerts reads it to see
 * which servers run before a CA rotation.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JupyterHubEmulator } from '../emulators/jupyterhub.js';

let hub: JupyterHubEmulator;

beforeEach(async () => {
  hub = await JupyterHubEmulator.start({ tokens: ['api-token'] });
});

afterEach(async () => {
  await hub.close();
});

interface ServerModel {
  name: string;
  ready: boolean;
  pending: string | null;
  url: string;
  started: string;
}
interface UserModel {
  name: string;
  server: string | null;
  servers: Record<string, ServerModel>;
}
interface UserPage {
  items: UserModel[];
  _pagination: { offset: number; limit: number; total: number; next: { url: string } | null };
}

const api = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${hub.url}/hub/api${path}`, { headers });
const users = async (path: string, headers: Record<string, string>) =>
  (await (await api(path, headers)).json()) as UserModel[];
const names = (list: UserModel[]) => list.map((u) => u.name);
const withToken = { authorization: 'token api-token' };
const paginated = { ...withToken, accept: 'application/jupyterhub-pagination+json' };

describe('access', () => {
  it('tells its version without a token', async () => {
    // Act
    const answer = await api('/');

    // Assess
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ version: '5.2.1' });
  });

  it('refuses the user list without a valid token', async () => {
    // Act
    const missing = await api('/users');
    const wrong = await api('/users', { authorization: 'token nope' });

    // Assess
    expect(missing.status).toBe(403);
    expect(await missing.json()).toEqual({
      status: 403,
      message: 'Missing or invalid credentials.',
    });
    expect(wrong.status).toBe(403);
  });

  it('accepts the token in the token and the Bearer scheme', async () => {
    // Act
    const token = await api('/users', withToken);
    const bearer = await api('/users', { authorization: 'Bearer api-token' });

    // Assess
    expect([token.status, bearer.status]).toEqual([200, 200]);
  });
});

describe('users', () => {
  it('lists each user with the servers map of running servers', async () => {
    // Prepare
    hub.addUser('alice', { servers: { '': {} } });
    hub.addUser('bob');

    // Act
    const listed = await users('/users', withToken);

    // Assess
    expect(listed).toHaveLength(2);
    expect(listed[0]).toMatchObject({ name: 'alice', server: '/user/alice/', pending: null });
    expect(listed[0]?.servers['']).toMatchObject({
      name: '',
      ready: true,
      pending: null,
      url: '/user/alice/',
    });
    expect(typeof listed[0]?.servers['']?.started).toBe('string');
    expect(listed[1]).toMatchObject({ name: 'bob', server: null, servers: {} });
  });

  it('filters by state and shows a pending spawn', async () => {
    // Prepare
    hub.addUser('alice', { servers: { '': {} } });
    hub.addUser('carol', { servers: { lab: { ready: false } } });
    hub.addUser('bob');

    // Act
    const active = await users('/users?state=active', withToken);
    const ready = await users('/users?state=ready', withToken);

    // Assess
    expect(names(active)).toEqual(['alice', 'carol']);
    expect(active[1]?.servers['lab']).toMatchObject({ ready: false, pending: 'spawn' });
    expect(names(ready)).toEqual(['alice']);
  });

  it('drops stopped servers and removed users', async () => {
    // Prepare
    hub.addUser('alice', { servers: { '': {} } });
    hub.addUser('bob', { servers: { '': {} } });

    // Act
    hub.stopServer('alice');
    hub.removeUser('bob');
    const listed = await users('/users', withToken);

    // Assess
    expect(listed).toEqual([expect.objectContaining({ name: 'alice', servers: {} })]);
  });
});

describe('pagination', () => {
  it('pages with offset and limit and links the next page', async () => {
    // Prepare
    for (const name of ['u1', 'u2', 'u3']) hub.addUser(name);

    // Act
    const first = (await (await api('/users?limit=2', paginated)).json()) as UserPage;
    const next = first._pagination.next?.url ?? '';
    const second = (await (await fetch(next, { headers: paginated })).json()) as UserPage;

    // Assess
    expect(names(first.items)).toEqual(['u1', 'u2']);
    expect(first._pagination).toMatchObject({ offset: 0, limit: 2, total: 3 });
    expect(names(second.items)).toEqual(['u3']);
    expect(second._pagination.next).toBeNull();
  });

  it('answers a plain list when the pagination media type is not asked for', async () => {
    // Prepare
    for (const name of ['u1', 'u2', 'u3']) hub.addUser(name);

    // Act
    const page = await users('/users?offset=1&limit=1', withToken);

    // Assess
    expect(page).toEqual([expect.objectContaining({ name: 'u2' })]);
  });
});
