/**
 * Logging with fixed keys: level, message, timestamp, plus context (function, request id,
 * hub) and the domain keys of each step (revision, fingerprint, serial, notAfter,
 * versions). Functions log JSON lines; the CLI prints one short line per step on stderr.
 * Callers pass facts, never key material: there is no way to log a key by accident
 * because no step hands one to the logger.
 */
export type Level = 'debug' | 'info' | 'warn' | 'error';
export type Fields = Record<
  string,
  string | number | boolean | null | undefined | readonly string[]
>;

export interface Logger {
  info(message: string, fields?: Fields): void;
  warn(message: string, fields?: Fields): void;
  error(message: string, fields?: Fields): void;
  /** A logger that adds `fields` to every line. */
  with(fields: Fields): Logger;
}

type Sink = (level: Level, message: string, fields: Fields) => void;

function makeLogger(sink: Sink, context: Fields): Logger {
  return {
    info: (message, fields) => sink('info', message, { ...context, ...fields }),
    warn: (message, fields) => sink('warn', message, { ...context, ...fields }),
    error: (message, fields) => sink('error', message, { ...context, ...fields }),
    with: (fields) => makeLogger(sink, { ...context, ...fields }),
  };
}

/** JSON lines, one object per line, as CloudWatch Logs Insights reads them. */
export function jsonLogger(write: (line: string) => void, context: Fields = {}): Logger {
  return makeLogger((level, message, fields) => {
    write(
      `${JSON.stringify({ level, message, timestamp: new Date().toISOString(), ...fields })}\n`,
    );
  }, context);
}

/** `hubcerts: message (key=value …)` lines for people at a terminal. */
export function textLogger(write: (line: string) => void, context: Fields = {}): Logger {
  return makeLogger((level, message, fields) => {
    const facts = Object.entries(fields)
      .filter(([, v]) => v !== undefined && v !== null && v !== '')
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : v}`)
      .join(' ');
    const prefix = level === 'info' ? 'hubcerts' : `hubcerts ${level}`;
    write(`${prefix}: ${message}${facts ? ` (${facts})` : ''}\n`);
  }, context);
}

/** A logger that drops everything, for tests that do not look at logs. */
export const silentLogger: Logger = makeLogger(() => {}, {});
