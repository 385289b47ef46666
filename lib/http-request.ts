/**
 * One HTTP exchange over node:http or node:https, the transport of the Vault, cluster and
 * Secrets Manager clients: the whole answer as text, and failures without an answer as socket
 * errors with their codes (ECONNRESET, ECONNREFUSED, TLS codes), which each client's retry
 * rules read. The deadline covers the whole exchange, answer body included.
 */
import http from 'node:http';
import https from 'node:https';
import { buffer } from 'node:stream/consumers';

/** What one request answered. */
export interface HttpAnswer {
  status: number;
  text: string;
  /** Header names in lower case; repeated headers joined with ", ". */
  headers: Record<string, string>;
}

export interface Deadline {
  timeoutMs: number;
  /** The error a missed deadline rejects with; by default one with the code ETIMEDOUT. */
  onDeadline?: () => Error;
}

/** Sends `body` (if any) to `url` and reads the whole answer before `deadline` passes. */
export function sendRequest(
  url: URL,
  options: https.RequestOptions,
  body: string | undefined,
  deadline: Deadline,
): Promise<HttpAnswer> {
  const transport = url.protocol === 'http:' ? http : https;
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const fail = (error: unknown) => {
      clearTimeout(timer);
      reject(timedOut ? (deadline.onDeadline?.() ?? missed(deadline.timeoutMs)) : error);
    };
    const request = transport.request(url, options, (response) => {
      buffer(response).then((bytes) => {
        clearTimeout(timer);
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(response.headers)) {
          if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        resolve({ status: response.statusCode ?? 0, text: bytes.toString('utf8'), headers });
      }, fail);
    });
    const timer = setTimeout(() => {
      timedOut = true;
      request.destroy(new Error('deadline passed'));
    }, deadline.timeoutMs);
    request.on('error', fail);
    request.end(body);
  });
}

function missed(timeoutMs: number): Error {
  const error = new Error(`no answer within ${timeoutMs} ms`) as NodeJS.ErrnoException;
  error.code = 'ETIMEDOUT';
  return error;
}
