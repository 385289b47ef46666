import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, run } from '../helpers/cli.js';
import { tempDir } from '../helpers/hub.js';

let dir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir, cleanup } = await tempDir('hubcerts-readme-'));
});
afterAll(() => cleanup());

describe("the README's main job (npm start)", () => {
  it('creates a demo hub state on first run and scans it as OK', async () => {
    const demo = join(dir, 'demo');
    const first = await run('npm', ['start', '--silent', '--prefix', REPO], {
      cwd: dir,
      env: { HUBCERTS_DEMO_DIR: demo },
    });

    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/Creating a demo hub state in/);
    expect(first.stdout).toMatch(/secret:proxy-client .* DNS:localhost/);
    expect(first.stdout).toMatch(/status: OK \(0 finding\(s\)/);
    expect(await readFile(join(demo, 'inventory.yaml'), 'utf8')).toMatch(
      /loginNodes: \[jwlogin01i, jwlogin02i\]/,
    );
  });

  it('only scans on the next run, keeping the same CA set', async () => {
    const demo = join(dir, 'demo');
    const before = await readFile(join(demo, 'ca_certs/hub-ca/hub-ca.crt'), 'utf8');
    const second = await run('npm', ['start', '--silent', '--prefix', REPO], {
      cwd: dir,
      env: { HUBCERTS_DEMO_DIR: demo },
    });

    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).not.toMatch(/Creating a demo hub state/);
    expect(second.stdout).toMatch(/status: OK/);
    expect(await readFile(join(demo, 'ca_certs/hub-ca/hub-ca.crt'), 'utf8')).toBe(before);
  });
});
