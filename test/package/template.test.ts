/**
 * The CloudFormation template `npm run package` generates from serverless.yml, read as AWS
 * would deploy it: triggers, concurrency, failure handling, each function's own role and
 * environment, and the contents of each zip.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { envName, SETTINGS, type SettingName } from '../../lib/config.js';
import {
  FUNCTIONS,
  type FunctionName,
  LAMBDA_NODE,
  logicalId,
  ROOT,
  readTemplate,
  SERVERLESS_DIR,
  type Template,
  templateEnvironment,
} from './lambda-run.js';

const template = readTemplate();

type Resource = Template['Resources'][string];
type Statement = { Sid?: string; Action: string | string[]; Resource: unknown };

function ofType(type: string): [string, Resource][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

function fn(name: FunctionName): Record<string, unknown> {
  return template.Resources[logicalId(name)]!.Properties!;
}

/** The function's role resource, which must be its own. */
function roleOf(name: FunctionName): Resource {
  const role = fn(name)['Role'] as { 'Fn::GetAtt': [string, string] };
  return template.Resources[role['Fn::GetAtt'][0]]!;
}

/** The statements of a role's inline policies; `Fn::If` on InVpc kept as the VPC statement. */
function statementsOf(name: FunctionName): { statement: Statement; inVpcOnly: boolean }[] {
  const policies = roleOf(name).Properties!['Policies'] as {
    PolicyDocument: { Statement: unknown[] };
  }[];
  return policies.flatMap((policy) =>
    policy.PolicyDocument.Statement.map((entry) => {
      const branch = (entry as { 'Fn::If'?: [string, Statement, unknown] })['Fn::If'];
      return branch
        ? { statement: branch[1], inVpcOnly: branch[0] === 'InVpc' }
        : { statement: entry as Statement, inVpcOnly: false };
    }),
  );
}

/** `aws-sm:NAME#field` values of a function's environment → the secret names. */
function secretNamesIn(name: FunctionName): string[] {
  const values = Object.values(templateEnvironment(template, name));
  const names = values.flatMap((v) => (v.startsWith('aws-sm:') ? [v.slice(7).split('#')[0]!] : []));
  return [...new Set(names)].sort();
}

const actions = (s: Statement) => [s.Action].flat();

describe('triggers', () => {
  it('runs expiryScan on the daily schedule and on nothing else', () => {
    // Act
    const rules = ofType('AWS::Events::Rule');

    // Assess
    expect(rules).toHaveLength(1);
    const [, rule] = rules[0]!;
    expect(rule.Properties!['ScheduleExpression']).toBe('cron(0 6 * * ? *)');
    const targets = rule.Properties!['Targets'] as { Arn: { 'Fn::GetAtt': string[] } }[];
    expect(targets.map((t) => t.Arn['Fn::GetAtt'][0])).toEqual([logicalId('expiryScan')]);
  });

  it('routes POST /inventory of the HTTP API to reissueProxyClient, and nothing else', () => {
    // Act
    const routes = ofType('AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties!['RouteKey']);
    const integrations = ofType('AWS::ApiGatewayV2::Integration').map(([, r]) =>
      JSON.stringify(r.Properties!['IntegrationUri']),
    );

    // Assess
    expect(routes).toEqual(['POST /inventory']);
    expect(integrations).toHaveLength(1);
    expect(integrations[0]).toContain(logicalId('reissueProxyClient'));
  });

  it('gives rotateCa no route and no trigger: only an operator invokes it', () => {
    // Act
    const permissions = ofType('AWS::Lambda::Permission').map(([, r]) =>
      JSON.stringify(r.Properties!['FunctionName']),
    );

    // Assess
    expect(permissions.some((p) => p.includes(logicalId('rotateCa')))).toBe(false);
    const everything = JSON.stringify(
      [...ofType('AWS::ApiGatewayV2::Route'), ...ofType('AWS::ApiGatewayV2::Integration')].concat(
        ofType('AWS::Events::Rule'),
      ),
    );
    expect(everything).not.toContain(logicalId('rotateCa'));
  });
});

describe('concurrency and failures', () => {
  it('lets one reissue and one rotation run at a time, and does not limit the scan', () => {
    // Assess
    expect(fn('reissueProxyClient')['ReservedConcurrentExecutions']).toBe(1);
    expect(fn('rotateCa')['ReservedConcurrentExecutions']).toBe(1);
    expect(fn('expiryScan')['ReservedConcurrentExecutions']).toBeUndefined();
  });

  it('sends a scan that failed after its retries to a queue with an alarm', () => {
    // Act
    const config = template.Resources[logicalId('expiryScan', 'LambdaEvConf')]!.Properties!;
    const alarm = template.Resources['ExpiryScanFailuresAlarm']!.Properties!;

    // Assess
    expect(config['MaximumRetryAttempts']).toBe(2);
    expect(config['DestinationConfig']).toEqual({
      OnFailure: { Destination: { 'Fn::GetAtt': ['ExpiryScanFailures', 'Arn'] } },
    });
    expect(template.Resources['ExpiryScanFailures']!.Type).toBe('AWS::SQS::Queue');
    expect(alarm['MetricName']).toBe('ApproximateNumberOfMessagesVisible');
  });

  it('never repeats a rotation that was invoked asynchronously by mistake', () => {
    // Act
    const config = template.Resources[logicalId('rotateCa', 'LambdaEvConf')]!.Properties!;

    // Assess
    expect(config['MaximumRetryAttempts']).toBe(0);
  });
});

describe('the functions', () => {
  it.each(FUNCTIONS)('%s runs on the Node whose binary the bundle checks use, on arm64', (name) => {
    // Prepare
    const version = execFileSync(LAMBDA_NODE, ['--version'], { encoding: 'utf8' });
    const major = /^v(\d+)\./.exec(version)![1];

    // Assess
    expect(fn(name)['Runtime']).toBe(`nodejs${major}.x`);
    expect(fn(name)['Architectures']).toEqual(['arm64']);
    expect(fn(name)['Handler']).toBe(`functions/${name}.handler`);
  });

  it.each(FUNCTIONS)('%s keeps its logs for a set time', (name) => {
    // Act
    const group = template.Resources[logicalId(name, 'LogGroup')]!.Properties!;

    // Assess
    expect(group['RetentionInDays']).toBe(90);
  });

  it.each(FUNCTIONS)('%s joins the VPC only when subnets are given', (name) => {
    // Act
    const vpc = fn(name)['VpcConfig'] as { 'Fn::If': unknown[] };

    // Assess
    expect(vpc['Fn::If'][0]).toBe('InVpc');
    expect(vpc['Fn::If'][2]).toEqual({ Ref: 'AWS::NoValue' });
  });
});

describe('least privilege', () => {
  it.each(FUNCTIONS)('%s has a role of its own with inline policies only', (name) => {
    // Act
    const role = roleOf(name);
    const others = FUNCTIONS.filter((other) => other !== name).map(roleOf);

    // Assess
    expect(role.Type).toBe('AWS::IAM::Role');
    expect(others).not.toContain(role);
    expect(role.Properties!['ManagedPolicyArns']).toBeUndefined();
    expect(JSON.stringify(role.Properties!['AssumeRolePolicyDocument'])).toContain(
      'lambda.amazonaws.com',
    );
  });

  it.each(FUNCTIONS)('%s may name "*" only for the VPC network interfaces', (name) => {
    // Act
    const wildcards = statementsOf(name).filter(({ statement }) =>
      [statement.Resource].flat().some((r) => r === '*'),
    );

    // Assess
    for (const { statement, inVpcOnly } of wildcards) {
      expect(inVpcOnly).toBe(true);
      expect(actions(statement).every((a) => a.startsWith('ec2:'))).toBe(true);
    }
  });

  it.each(FUNCTIONS)('%s writes logs to its own log group only', (name) => {
    // Act
    const logs = statementsOf(name)
      .map((s) => s.statement)
      .filter((s) => actions(s).some((a) => a.startsWith('logs:')));

    // Assess
    expect(logs).toHaveLength(1);
    expect(actions(logs[0]!).sort()).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents']);
    expect(logs[0]!.Resource).toEqual({ 'Fn::GetAtt': [logicalId(name, 'LogGroup'), 'Arn'] });
  });

  it.each(FUNCTIONS)('%s may read exactly the secrets its environment refers to', (name) => {
    // Act
    const reads = statementsOf(name)
      .map((s) => s.statement)
      .filter((s) => actions(s).includes('secretsmanager:GetSecretValue'));
    const arns = reads.flatMap((s) => [s.Resource].flat()) as { 'Fn::Sub': string }[];

    // Assess: each ARN names one secret (its random six-character suffix as ??????).
    expect(reads.every((s) => actions(s).length === 1)).toBe(true);
    // biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation's Fn::Sub syntax
    const prefix = 'arn:${AWS::Partition}:secretsmanager:${AWS::Region}:${AWS::AccountId}:secret:';
    for (const arn of arns) {
      expect(arn['Fn::Sub'].startsWith(prefix)).toBe(true);
      expect(arn['Fn::Sub'].endsWith('-??????')).toBe(true);
    }
    const named = arns.map((a) => a['Fn::Sub'].slice(prefix.length, -'-??????'.length)).sort();
    expect(named).toEqual(secretNamesIn(name));
  });

  it('lets only the scan send to a queue, and only to its own failure queue', () => {
    // Act
    const sends = FUNCTIONS.map((name) =>
      statementsOf(name)
        .map((s) => s.statement)
        .filter((s) => actions(s).some((a) => a.startsWith('sqs:') || a.startsWith('sns:'))),
    );

    // Assess
    expect(sends[0]).toEqual([
      expect.objectContaining({
        Action: 'sqs:SendMessage',
        Resource: { 'Fn::GetAtt': ['ExpiryScanFailures', 'Arn'] },
      }),
    ]);
    expect(sends[1]).toEqual([]);
    expect(sends[2]).toEqual([]);
  });
});

describe('settings', () => {
  const environments = FUNCTIONS.map((name) => templateEnvironment(template, name));

  it.each(Object.keys(SETTINGS) as SettingName[])('maps --%s to some function', (setting) => {
    // Assess
    expect(environments.some((env) => envName(setting) in env)).toBe(true);
  });

  it.each(
    Object.entries(SETTINGS)
      .filter(([, spec]) => 'secret' in spec && spec.secret)
      .map(([setting]) => envName(setting as SettingName)),
  )('passes %s only as a Secrets Manager reference', (variable) => {
    // Act
    const values = environments.flatMap((env) => (variable in env ? [env[variable]!] : []));

    // Assess
    expect(values.length).toBeGreaterThan(0);
    for (const value of values) expect(value).toMatch(/^aws-sm:[^#\s]+(#\w+)?$/);
  });

  it('gives the Vault AppRole to every function through Secrets Manager', () => {
    // Assess
    for (const env of environments) {
      expect(env['VAULT_ROLE_ID']).toMatch(/^aws-sm:.+#role_id$/);
      expect(env['VAULT_SECRET_ID']).toMatch(/^aws-sm:.+#secret_id$/);
      expect(env['VAULT_TOKEN']).toBeUndefined();
    }
  });

  it('gives the webhook keys to reissueProxyClient alone', () => {
    // Assess
    expect(environments.map((env) => 'HUBCERTS_WEBHOOK_SECRET' in env)).toEqual([
      false,
      true,
      false,
    ]);
  });
});

describe('the stage parameters', () => {
  it('are each documented in the README, under Deploying a stage', () => {
    // Prepare
    const config = parse(readFileSync(join(ROOT, 'serverless.yml'), 'utf8')) as {
      params: { default: Record<string, unknown> };
    };
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf('\n### Deploying a stage\n');
    const section = readme.slice(start, readme.indexOf('\n### ', start + 1));

    // Assess
    expect(start).toBeGreaterThan(0);
    for (const name of Object.keys(config.params.default)) {
      expect(section, name).toContain(`\`${name}\``);
    }
  });
});

describe('the zips', () => {
  it.each(FUNCTIONS)('%s holds its own bundle and chunks, and nothing else', (name) => {
    // Act
    const listing = execFileSync('unzip', ['-Z1', join(SERVERLESS_DIR, `${name}.zip`)], {
      encoding: 'utf8',
    });
    const files = listing.split('\n').filter((line) => line !== '' && !line.endsWith('/'));

    // Assess
    expect(files).toContain(`functions/${name}.mjs`);
    for (const file of files) {
      expect(file === `functions/${name}.mjs` || file.startsWith(`functions/${name}.chunks/`)).toBe(
        true,
      );
      expect(file.endsWith('.mjs')).toBe(true);
    }
  });

  it.each(FUNCTIONS)('%s leaves out the AWS SDK and the transports hubcerts replaces', (name) => {
    // Prepare: what esbuild put into the bundle, from the metafile of the build.
    const path = join(SERVERLESS_DIR, 'meta', `${name}.json`);
    const meta = JSON.parse(readFileSync(path, 'utf8')) as { inputs: Record<string, unknown> };

    // Act
    const packages = new Set(
      Object.keys(meta.inputs).flatMap((input) => {
        const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(input);
        return match ? [match[1]!] : [];
      }),
    );

    // Assess: node-vault and client-node are there, without axios and undici under them.
    expect(packages).toContain('node-vault');
    expect(packages).toContain('@kubernetes/client-node');
    const left = [...packages].filter((p) =>
      /^(@aws-sdk\/|axios$|undici$|debug$|form-data$)/.test(p),
    );
    expect(left).toEqual([]);
  });
});
