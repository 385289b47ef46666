/**
 * Alert delivery against a loopback receiver: the payload each sink gets, when a message is
 * sent at all, retries, sinks that fail, truncation, and that the webhook URL (a credential)
 * never shows up in logs or results.
 */
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_ITEM_CHARS } from '../../lib/alerts/format.js';
import { parseAlertUrl, sendAlerts, sendNotice } from '../../lib/alerts/index.js';
import { SLACK_COLORS, type SlackPayload } from '../../lib/alerts/slack.js';
import type { TeamsPayload } from '../../lib/alerts/teams.js';
import { loadSettings } from '../../lib/config.js';
import { ConfigError } from '../../lib/errors.js';
import { jsonLogger, type Logger } from '../../lib/log.js';
import type { RetryPolicy } from '../../lib/retry.js';
import type {
  CertificateEntry,
  Finding,
  ScanReport,
  Status,
} from '../../lib/workflows/scan/report.js';

// A path that stands for the credential part of a webhook URL.
const SECRET = 'T0SECRET/B0SECRET/xoxSECRETSECRET';
const FAST: RetryPolicy = { attempts: 3, baseMs: 1, maxDelayMs: 10, budgetMs: 5_000 };

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

/** `echoPath` answers with the request's own path, as a careless sink might. */
type Answer = { status: number; body?: string; echoPath?: boolean } | 'hang';

/** A webhook receiver on 127.0.0.1 that records what it is sent. */
class Receiver {
  readonly received: Received[] = [];
  private answers: Answer[] = [];
  private constructor(
    private readonly server: http.Server,
    readonly base: string,
  ) {}

  static async start(): Promise<Receiver> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const receiver = new Receiver(server, `127.0.0.1:${(server.address() as AddressInfo).port}`);
    server.on('request', (request, response) => {
      let text = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => {
        text += chunk;
      });
      request.on('end', () => {
        receiver.received.push({
          path: request.url ?? '',
          headers: request.headers,
          body: JSON.parse(text),
        });
        const answer = receiver.answers.shift() ?? { status: 200, body: 'ok' };
        if (answer === 'hang') return;
        response.writeHead(answer.status, { 'content-type': 'text/plain' });
        response.end(answer.echoPath ? `unknown hook ${request.url}` : (answer.body ?? ''));
      });
    });
    return receiver;
  }

  /** Answers for the next requests, in order; later ones get 200. */
  answer(...answers: Answer[]): void {
    this.answers.push(...answers);
  }

  bodiesAt(path: string): unknown[] {
    return this.received.filter((r) => r.path === path).map((r) => r.body);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

/** A loopback port with nothing listening on it. */
async function refusedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function certificate(id: string, daysLeft: number): CertificateEntry {
  return {
    id,
    source: 'dir:./ca_certs',
    subject: `CN=${id.split(':')[1]}`,
    issuer: 'CN=hub-ca',
    serial: '5F01',
    fingerprintSha256: 'AB:CD',
    notBefore: '2026-01-01T00:00:00.000Z',
    notAfter: '2027-01-01T00:00:00.000Z',
    daysLeft,
    sans: [],
  };
}

function reportOf(findings: Finding[], status: Status): ScanReport {
  return {
    status,
    checkedAt: '2026-12-03T12:00:00.000Z',
    certificates: [certificate('store:hub-ca', 1500), certificate('secret:proxy-client', 5)],
    findings,
  };
}

const EXPIRES: Finding = {
  severity: 'warning',
  code: 'EXPIRES_SOON',
  certificate: 'secret:proxy-client',
  message: 'secret:proxy-client expires in 25 day(s); run hubcerts reissue',
};
const MISSING: Finding = {
  severity: 'critical',
  code: 'SAN_MISSING',
  certificate: 'secret:proxy-client',
  message: 'secret:proxy-client lacks DNS:jwlogin03i & <1 more>',
};
const MISMATCH: Finding = {
  severity: 'critical',
  code: 'KEY_MISMATCH',
  certificate: 'secret:proxy-api',
  message: 'the key of secret:proxy-api does not match its certificate',
};
// Report order puts the warning first; alerts must put the critical findings first.
const CRITICAL = reportOf([EXPIRES, MISSING, MISMATCH], 'critical');

function manyFindings(critical: number, warning: number, messageLength = 60): Finding[] {
  const make = (severity: Finding['severity'], i: number): Finding => ({
    severity,
    code: severity === 'critical' ? 'EXPIRED' : 'LEGACY_X509',
    certificate: `secret:leaf-${severity}-${i}`,
    message: `${severity} ${i} `.padEnd(messageLength, 'x'),
  });
  return [
    ...Array.from({ length: critical }, (_, i) => make('critical', i)),
    ...Array.from({ length: warning }, (_, i) => make('warning', i)),
  ];
}

let receiver: Receiver;
let logLines: string[];
let log: Logger;

beforeEach(async () => {
  receiver = await Receiver.start();
  logLines = [];
  log = jsonLogger((line) => logLines.push(line), { function: 'expiryScan' });
});

afterEach(async () => {
  await receiver.close();
});

const options = () => ({ log, hub: 'jupyter-jsc', retry: FAST, timeoutMs: 2_000 });
const slackUrl = () => `slack+http://${receiver.base}/hooks/${SECRET}`;
const teamsUrl = () =>
  `teams+http://${receiver.base}/workflows/abc/triggers/manual/paths/invoke?sig=${SECRET}`;
const jsonUrl = () => `http://${receiver.base}/json/${SECRET}`;

describe('the Slack-compatible payload', () => {
  it('puts the headline in text and a coloured attachment per severity, worst first', async () => {
    // Prepare
    const url = slackUrl();

    // Act
    const results = await sendAlerts(CRITICAL, [url], options());

    // Assess
    expect(results).toEqual([{ sink: `slack+http://${receiver.base}/…`, ok: true, status: 200 }]);
    expect(receiver.received).toHaveLength(1);
    const { path, headers, body } = receiver.received[0]!;
    expect(path).toBe(`/hooks/${SECRET}`);
    expect(headers['content-type']).toBe('application/json');
    const payload = body as SlackPayload;
    expect(Object.keys(payload).sort()).toEqual(['attachments', 'text']);
    expect(payload.text).toBe(
      '*hubcerts scan: CRITICAL*\nhub jupyter-jsc · 2 critical, 1 warning finding(s) in ' +
        '2 certificate(s) · checked 2026-12-03T12:00:00.000Z',
    );
    expect(payload.attachments).toEqual([
      {
        color: SLACK_COLORS.critical,
        fallback: 'Critical (2)',
        title: 'Critical (2)',
        text:
          '• `SAN_MISSING` secret:proxy-client: secret:proxy-client lacks DNS:jwlogin03i ' +
          '&amp; &lt;1 more&gt;\n' +
          '• `KEY_MISMATCH` secret:proxy-api: the key of secret:proxy-api does not match its ' +
          'certificate',
        mrkdwn_in: ['text'],
      },
      {
        color: SLACK_COLORS.warning,
        fallback: 'Warning (1)',
        title: 'Warning (1)',
        text:
          '• `EXPIRES_SOON` secret:proxy-client: secret:proxy-client expires in 25 day(s); ' +
          'run hubcerts reissue',
        mrkdwn_in: ['text'],
      },
    ]);
    expect(SLACK_COLORS.critical).not.toBe(SLACK_COLORS.warning);
  });
});

describe('the Teams workflow payload', () => {
  it('is a message with one Adaptive Card 1.4 made of TextBlocks', async () => {
    // Prepare
    const url = teamsUrl();

    // Act
    const results = await sendAlerts(CRITICAL, [url], options());

    // Assess
    expect(results).toEqual([{ sink: `teams+http://${receiver.base}/…`, ok: true, status: 200 }]);
    const payload = receiver.received[0]!.body as TeamsPayload;
    expect(payload.type).toBe('message');
    expect(payload.attachments).toHaveLength(1);
    const [attachment] = payload.attachments;
    expect(attachment.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(attachment.content.type).toBe('AdaptiveCard');
    expect(attachment.content.version).toBe('1.4');
    expect(attachment.content.$schema).toBe('http://adaptivecards.io/schemas/adaptive-card.json');
    const blocks = attachment.content.body;
    expect(blocks.every((b) => b.type === 'TextBlock' && b.wrap === true)).toBe(true);
    expect(blocks.map((b) => b.text)).toEqual([
      'hubcerts scan: CRITICAL',
      'hub jupyter-jsc · 2 critical, 1 warning finding(s) in 2 certificate(s) · ' +
        'checked 2026-12-03T12:00:00.000Z',
      'Critical (2)',
      '- **SAN_MISSING** secret:proxy-client: secret:proxy-client lacks DNS:jwlogin03i & <1 more>',
      '- **KEY_MISMATCH** secret:proxy-api: the key of secret:proxy-api does not match its ' +
        'certificate',
      'Warning (1)',
      '- **EXPIRES_SOON** secret:proxy-client: secret:proxy-client expires in 25 day(s); ' +
        'run hubcerts reissue',
    ]);
    expect(blocks.map((b) => b.color)).toEqual([
      'Attention',
      undefined,
      'Attention',
      undefined,
      undefined,
      'Warning',
      undefined,
    ]);
  });
});

describe('the generic JSON payload', () => {
  it('carries the exact report with its source and hub', async () => {
    // Prepare
    const urls = [jsonUrl(), `json+http://${receiver.base}/explicit`];

    // Act
    const results = await sendAlerts(CRITICAL, urls, options());

    // Assess
    expect(results.map((r) => [r.sink, r.ok])).toEqual([
      [`http://${receiver.base}/…`, true],
      [`json+http://${receiver.base}/…`, true],
    ]);
    const expected = { source: 'hubcerts', hub: 'jupyter-jsc', report: CRITICAL };
    expect(receiver.bodiesAt(`/json/${SECRET}`)).toEqual([expected]);
    expect(receiver.bodiesAt('/explicit')).toEqual([expected]);
  });

  it('leaves the hub out when none is named', async () => {
    // Act
    await sendAlerts(CRITICAL, [jsonUrl()], { log, retry: FAST });

    // Assess
    expect(receiver.received[0]!.body).toEqual({ source: 'hubcerts', report: CRITICAL });
  });
});

describe('authentication', () => {
  it('sends a user and password of the URL as HTTP Basic authentication', async () => {
    // Prepare
    const url = `json+http://hubcerts:s%40cr%C3%A9t@${receiver.base}/basic`;

    // Act
    const results = await sendAlerts(CRITICAL, [url], options());

    // Assess
    expect(results).toEqual([{ sink: `json+http://${receiver.base}/…`, ok: true, status: 200 }]);
    expect(receiver.received[0]!.headers.authorization).toBe(
      `Basic ${Buffer.from('hubcerts:s@crét').toString('base64')}`,
    );
  });
});

describe('when a message is sent', () => {
  it('sends exactly one message per sink for a run with many findings', async () => {
    // Prepare
    const report = reportOf(manyFindings(3, 4), 'critical');

    // Act
    await sendAlerts(report, [slackUrl(), teamsUrl(), jsonUrl()], options());

    // Assess
    expect(receiver.received.map((r) => r.path).sort()).toEqual(
      [
        `/hooks/${SECRET}`,
        '/workflows/abc/triggers/manual/paths/invoke?sig=' + SECRET,
        `/json/${SECRET}`,
      ].sort(),
    );
  });

  it('sends nothing for an ok scan', async () => {
    // Prepare
    const ok = reportOf([], 'ok');

    // Act
    const results = await sendAlerts(ok, [slackUrl(), jsonUrl()], options());

    // Assess
    expect(results).toEqual([]);
    expect(receiver.received).toEqual([]);
  });

  it('sends an ok scan as an all-clear when sendOk asks for it', async () => {
    // Prepare
    const ok = reportOf([], 'ok');

    // Act
    const results = await sendAlerts(ok, [slackUrl()], { ...options(), sendOk: true });

    // Assess
    expect(results.map((r) => r.ok)).toEqual([true]);
    const payload = receiver.received[0]!.body as SlackPayload;
    expect(payload.text).toMatch(/^\*hubcerts scan: OK\*\nhub jupyter-jsc · 0 critical, 0 w/);
    expect(payload.attachments).toEqual([
      {
        color: SLACK_COLORS.ok,
        fallback: '• No findings.',
        text: '• No findings.',
        mrkdwn_in: ['text'],
      },
    ]);
  });

  it('always sends an unknown scan, even without sendOk', async () => {
    // Prepare
    const unreadable: Finding = {
      severity: 'critical',
      code: 'SOURCE_UNREADABLE',
      certificate: 'vault:secret/ca',
      message: 'the store could not be read: Vault is sealed',
    };

    // Act
    await sendAlerts(reportOf([unreadable], 'unknown'), [slackUrl()], options());

    // Assess
    const payload = receiver.received[0]!.body as SlackPayload;
    expect(payload.text).toMatch(/^\*hubcerts scan: UNKNOWN\*/);
  });
});

describe('the alert-ok setting', () => {
  it.each([
    [undefined, false],
    ['true', true],
    ['1', true],
    ['FALSE', false],
    ['0', false],
  ])('reads HUBCERTS_ALERT_OK=%s as %s', async (value, expected) => {
    // Act
    const settings = await loadSettings({ HUBCERTS_ALERT_OK: value });

    // Assess
    expect(settings.alertOk).toBe(expected);
  });

  it('refuses a value that is not true, false, 1 or 0', async () => {
    // Act
    const failure = loadSettings({ HUBCERTS_ALERT_OK: 'daily' });

    // Assess
    await expect(failure).rejects.toThrow(ConfigError);
    await expect(failure).rejects.toThrow(/--alert-ok must be true, false, 1 or 0/);
  });
});

describe('delivery', () => {
  it('retries a 500 and succeeds on the next answer', async () => {
    // Prepare
    receiver.answer({ status: 500, body: 'internal error' }, { status: 200, body: 'ok' });

    // Act
    const results = await sendAlerts(CRITICAL, [jsonUrl()], options());

    // Assess
    expect(results).toEqual([{ sink: `http://${receiver.base}/…`, ok: true, status: 200 }]);
    expect(receiver.received).toHaveLength(2);
    expect(receiver.received[1]!.body).toEqual(receiver.received[0]!.body);
    expect(logLines.some((l) => l.includes('retrying') && l.includes('HTTP 500'))).toBe(true);
  });

  it('does not retry a 400 and reports what the sink said', async () => {
    // Prepare
    receiver.answer({ status: 400, body: 'invalid_payload' });

    // Act
    const results = await sendAlerts(CRITICAL, [slackUrl()], options());

    // Assess
    expect(results).toEqual([
      {
        sink: `slack+http://${receiver.base}/…`,
        ok: false,
        status: 400,
        error: 'HTTP 400: invalid_payload',
      },
    ]);
    expect(receiver.received).toHaveLength(1);
  });

  it('gives up after the attempts of the policy when the sink keeps failing', async () => {
    // Prepare
    receiver.answer({ status: 503 }, { status: 503 }, { status: 503 }, { status: 503 });

    // Act
    const results = await sendAlerts(CRITICAL, [jsonUrl()], options());

    // Assess
    expect(results).toEqual([
      { sink: `http://${receiver.base}/…`, ok: false, status: 503, error: 'HTTP 503' },
    ]);
    expect(receiver.received).toHaveLength(FAST.attempts);
  });

  it('reports a sink that times out or refuses and still serves the others', async () => {
    // Prepare
    const hanging = await Receiver.start();
    hanging.answer('hang');
    const refused = await refusedPort();
    const urls = [
      `http://${hanging.base}/slow/${SECRET}`,
      `slack+http://127.0.0.1:${refused}/hooks/${SECRET}`,
      jsonUrl(),
    ];

    // Act
    const results = await sendAlerts(CRITICAL, urls, { ...options(), timeoutMs: 300 });
    await hanging.close();

    // Assess
    expect(results).toEqual([
      { sink: `http://${hanging.base}/…`, ok: false, error: 'no answer within 300 ms' },
      { sink: `slack+http://127.0.0.1:${refused}/…`, ok: false, error: expect.any(String) },
      { sink: `http://${receiver.base}/…`, ok: true, status: 200 },
    ]);
    expect(results[1]!.error).toMatch(/ECONNREFUSED/);
    expect(hanging.received).toHaveLength(1);
    expect(receiver.bodiesAt(`/json/${SECRET}`)).toHaveLength(1);
  });

  it('reports a bad entry without its value and still serves the others', async () => {
    // Prepare
    const bad = `ftp://${SECRET}`;

    // Act
    const results = await sendAlerts(CRITICAL, [bad, jsonUrl()], options());

    // Assess
    expect(results[0]).toEqual({
      sink: 'ALERTS entry 1',
      ok: false,
      error: 'ALERTS entry 1 uses the scheme ftp:; only http and https are accepted',
    });
    expect(results[1]!.ok).toBe(true);
  });

  it('never puts the webhook path or query into logs or results', async () => {
    // Prepare
    receiver.answer({ status: 500, echoPath: true }, { status: 404, echoPath: true });
    const refused = await refusedPort();
    const urls = [
      slackUrl(),
      teamsUrl(),
      `http://127.0.0.1:${refused}/x/${SECRET}`,
      'nonsense',
      `http://user:pw@${receiver.base}/basic/${SECRET}`,
    ];

    // Act
    const results = await sendAlerts(CRITICAL, urls, { ...options(), timeoutMs: 500 });

    // Assess
    const everything = [...logLines, JSON.stringify(results)].join('\n');
    expect(logLines.length).toBeGreaterThanOrEqual(5);
    expect(everything).not.toContain('SECRET');
    expect(everything).not.toContain('nonsense');
    expect(everything).not.toContain('pw');
    expect(everything).toContain('unknown hook');
    expect(results.map((r) => r.sink)).toEqual([
      `slack+http://${receiver.base}/…`,
      `teams+http://${receiver.base}/…`,
      `http://127.0.0.1:${refused}/…`,
      'ALERTS entry 4',
      `http://${receiver.base}/…`,
    ]);
  });
});

describe('truncation', () => {
  it('lists 40 findings at most in chat, critical first, then says how many are left', async () => {
    // Prepare
    const report = reportOf(manyFindings(30, 70), 'critical');

    // Act
    await sendAlerts(report, [slackUrl(), teamsUrl(), jsonUrl()], options());

    // Assess
    const slack = receiver.bodiesAt(`/hooks/${SECRET}`)[0] as SlackPayload;
    const [critical, warning] = slack.attachments;
    expect(slack.attachments).toHaveLength(2);
    expect(critical!.title).toBe('Critical (30)');
    expect(critical!.text.split('\n')).toHaveLength(30);
    expect(warning!.title).toBe('Warning (70)');
    const warningLines = warning!.text.split('\n');
    expect(warningLines).toHaveLength(11);
    expect(warningLines.at(-1)).toBe('… and 60 more findings');
    expect(warningLines.at(-2)).toMatch(/^• `LEGACY_X509` secret:leaf-warning-9: /);

    const teams = receiver.received.find((r) => r.path.startsWith('/workflows'))!
      .body as TeamsPayload;
    const texts = teams.attachments[0].content.body.map((b) => b.text);
    expect(texts.filter((t) => t.startsWith('- **'))).toHaveLength(40);
    expect(texts.at(-1)).toBe('… and 60 more findings');

    const json = receiver.bodiesAt(`/json/${SECRET}`)[0] as { report: ScanReport };
    expect(json.report.findings).toHaveLength(100);
  });

  it('clips long messages so a chat payload stays under Slack limit', async () => {
    // Prepare
    const report = reportOf(manyFindings(200, 0, 10_000), 'critical');

    // Act
    await sendAlerts(report, [slackUrl()], options());

    // Assess
    const slack = receiver.received[0]!.body as SlackPayload;
    expect(JSON.stringify(slack).length).toBeLessThan(40_000);
    const lines = slack.attachments[0]!.text.split('\n');
    expect(lines.at(-1)).toBe('… and 160 more findings');
    expect(lines[0]!.endsWith('x…')).toBe(true);
    expect(lines[0]!.length).toBeLessThan(MAX_ITEM_CHARS + 60);
  });
});

describe('notices', () => {
  it('sends a rotation summary in each sink shape', async () => {
    // Prepare
    const lines = ['plan 7f3a applied', 'proxy restarted & verified'];

    // Act
    const results = await sendNotice(
      'CA rotation done',
      lines,
      'warning',
      [slackUrl(), teamsUrl(), jsonUrl()],
      options(),
    );

    // Assess
    expect(results.map((r) => r.ok)).toEqual([true, true, true]);
    expect(receiver.bodiesAt(`/hooks/${SECRET}`)).toEqual([
      {
        text: '*hubcerts: CA rotation done*\nhub jupyter-jsc',
        attachments: [
          {
            color: SLACK_COLORS.warning,
            fallback: '• plan 7f3a applied',
            text: '• plan 7f3a applied\n• proxy restarted &amp; verified',
            mrkdwn_in: ['text'],
          },
        ],
      },
    ]);
    const teams = receiver.received.find((r) => r.path.startsWith('/workflows'))!
      .body as TeamsPayload;
    expect(teams.attachments[0].content.body.map((b) => [b.text, b.color])).toEqual([
      ['hubcerts: CA rotation done', 'Warning'],
      ['hub jupyter-jsc', undefined],
      ['- plan 7f3a applied', undefined],
      ['- proxy restarted & verified', undefined],
    ]);
    expect(receiver.bodiesAt(`/json/${SECRET}`)).toEqual([
      {
        source: 'hubcerts',
        hub: 'jupyter-jsc',
        notice: { title: 'CA rotation done', severity: 'warning', lines },
      },
    ]);
  });
});

describe('choosing a sink from the URL', () => {
  it.each([
    ['https://hooks.slack.com/services/T0/B0/x', 'slack', 'https://hooks.slack.com/…'],
    ['slack+https://chat.example.org/hooks/abc', 'slack', 'slack+https://chat.example.org/…'],
    [
      'https://prod-12.westeurope.logic.azure.com:443/workflows/1/triggers/manual?sig=x',
      'teams',
      'https://prod-12.westeurope.logic.azure.com/…',
    ],
    [
      'https://abc.environment.api.powerplatform.com/powerautomate/x?sig=y',
      'teams',
      'https://abc.environment.api.powerplatform.com/…',
    ],
    ['teams+https://proxy.example.org/relay', 'teams', 'teams+https://proxy.example.org/…'],
    ['https://alerts.example.org/hook', 'json', 'https://alerts.example.org/…'],
    ['JSON+https://hooks.slack.com/services/x', 'json', 'json+https://hooks.slack.com/…'],
  ])('reads %s as a %s sink', (value, kind, redacted) => {
    // Act
    const target = parseAlertUrl(value);

    // Assess
    expect(target.kind).toBe(kind);
    expect(target.redacted).toBe(redacted);
    expect(target.url.href.startsWith('https://')).toBe(true);
  });

  it.each([
    ['not a url at all', 'An ALERTS entry is not a valid URL'],
    [
      'ftp://x.example.org/',
      'An ALERTS entry uses the scheme ftp:; only http and https are accepted',
    ],
    [
      'slack+ftp://x.example.org/',
      'An ALERTS entry uses the scheme slack+ftp:; only http and https are accepted',
    ],
  ])('refuses %s with a ConfigError that names ALERTS only', (value, message) => {
    // Act
    const failure = (() => {
      try {
        parseAlertUrl(value);
      } catch (error) {
        return error;
      }
    })();

    // Assess
    expect(failure).toBeInstanceOf(ConfigError);
    expect((failure as Error).message).toBe(message);
  });
});
