/**
 * Alert sink URLs: which payload a URL gets, and the redacted form that logs and results
 * show. A webhook URL is a credential (its path or query is the only thing that
 * authorises a post), so only the scheme and host ever leave this module.
 */
import { ConfigError } from '../errors.js';

/** The payload families hubcerts can post. */
export type SinkKind = 'slack' | 'teams' | 'json';

/** A validated alert URL. */
export interface AlertTarget {
  kind: SinkKind;
  /** The URL to post to, without a `kind+` prefix and without user and password. */
  url: URL;
  /** `Basic …` when the URL carried a user or password; fetch refuses them in the URL. */
  authorization?: string;
  /** `scheme://host/…`, safe for logs and results. */
  redacted: string;
}

const PREFIXED = /^(slack|teams|json)\+(https?:.*)$/is;

/**
 * Validates one entry of the ALERTS setting and chooses its sink. An explicit prefix
 * (`slack+https://`, `teams+https://`, `json+https://`) wins; otherwise Slack's own host
 * and the Power Automate hosts are recognised, and every other http(s) URL gets the JSON
 * payload. A user and password in the URL become HTTP Basic authentication. Errors name the
 * setting and never the value.
 */
export function parseAlertUrl(value: string, position?: number): AlertTarget {
  const entry = position === undefined ? 'An ALERTS entry' : `ALERTS entry ${position + 1}`;
  const prefixed = PREFIXED.exec(value.trim());
  const explicit = prefixed?.[1]?.toLowerCase() as SinkKind | undefined;
  const rest = prefixed?.[2] ?? value.trim();

  let url: URL;
  try {
    url = new URL(rest);
  } catch (error) {
    throw new ConfigError(`${entry} is not a valid URL`, { cause: redactCause(error) });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(
      `${entry} uses the scheme ${url.protocol}; only http and https are accepted`,
    );
  }
  if (url.hostname === '') throw new ConfigError(`${entry} has no host`);

  const kind = explicit ?? kindOfHost(url.hostname.toLowerCase());
  const scheme = explicit ? `${explicit}+${url.protocol}` : url.protocol;
  const target: AlertTarget = { kind, url, redacted: `${scheme}//${url.host}/…` };
  if (url.username || url.password) {
    const credentials = `${decoded(url.username)}:${decoded(url.password)}`;
    target.authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
    url.username = '';
    url.password = '';
  }
  return target;
}

/**
 * Percent-decoding of a user or password. The URL parser has already escaped everything
 * outside ASCII, so each character is one byte; a malformed escape stays as written.
 */
function decoded(part: string): string {
  const bytes = part.replace(/%([0-9a-f]{2})/gi, (_, hex: string) =>
    String.fromCharCode(Number.parseInt(hex, 16)),
  );
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

function kindOfHost(host: string): SinkKind {
  if (host === 'hooks.slack.com') return 'slack';
  // Power Automate workflow triggers: the older Logic Apps hosts and the newer
  // environment-scoped Power Platform hosts.
  if (host.endsWith('.logic.azure.com') || host.endsWith('.powerplatform.com')) return 'teams';
  return 'json';
}

/**
 * The URL parser's own error repeats the input in its message; keep only its kind so a
 * cause chain printed in a debug trace cannot carry the webhook path.
 */
function redactCause(error: unknown): Error {
  const code = (error as { code?: unknown }).code;
  return new Error(typeof code === 'string' ? code : 'invalid URL');
}
