/**
 * The HTTP side every emulator shares: listening on loopback (plain or TLS), reading and
 * recording each request, applying injected faults, and writing replies. An emulator only
 * routes a recorded request to a reply and says what its real error bodies look like.
 */
import http, {
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import https from 'node:https';
import type { AddressInfo, Server, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { frontServer, ORIGINAL_METHOD_HEADER, resetSocket } from './custom-methods.js';
import { type Fault, Faults, isResetFault, isStatusFault, type StatusFault } from './faults.js';

/** PEM key and certificate; given, the emulator serves HTTPS. */
export interface TlsMaterial {
  key: string;
  cert: string;
}

export interface EmulatorOptions {
  tls?: TlsMaterial;
}

/** One request as the emulator received it. */
export interface RecordedRequest {
  readonly method: string;
  /** The path without the query string, as sent (not percent-decoded). */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: IncomingHttpHeaders;
  /** The body parsed as JSON; the raw text when it is not JSON; undefined when empty. */
  readonly body: unknown;
  readonly rawBody: string;
  /** The emulator's name for the request, used by fault matching. */
  readonly kind: string | undefined;
  readonly receivedAt: Date;
  /** The status answered; undefined while pending or when the connection was dropped. */
  status?: number;
}

/** What a handler answers. A string body is sent as is, anything else as JSON. */
export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const READ_METHODS = new Set(['GET', 'HEAD', 'LIST']);

export abstract class Emulator {
  /** Every request received, oldest first. */
  readonly requests: RecordedRequest[] = [];
  readonly faults = new Faults();
  #url = '';
  #server: Server | undefined;
  readonly #sockets = new Set<Socket>();
  #connections = 0;

  /** Base URL, such as `http://127.0.0.1:40123`, without a trailing slash. */
  get url(): string {
    return this.#url;
  }

  /** Requests that could change state, oldest first. */
  writes(): RecordedRequest[] {
    return this.requests.filter((r) => this.isWrite(r));
  }

  /** TCP connections accepted so far (a client that keeps them alive opens few). */
  get connectionsOpened(): number {
    return this.#connections;
  }

  /** Stops listening and drops every open connection. */
  async close(): Promise<void> {
    this.teardown();
    const server = this.#server;
    if (server === undefined) return;
    this.#server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }

  protected abstract handle(request: RecordedRequest): Promise<Reply> | Reply;

  /** The body the real system sends with this status, for faults that give none. */
  protected abstract faultReply(request: RecordedRequest, fault: StatusFault): Reply;

  protected kindOf(
    _method: string,
    _path: string,
    _headers: IncomingHttpHeaders,
  ): string | undefined {
    return undefined;
  }

  protected isWrite(request: RecordedRequest): boolean {
    return !READ_METHODS.has(request.method);
  }

  /** Methods node:http cannot parse that this emulator must accept (Vault's `LIST`). */
  protected customMethods(): readonly string[] {
    return [];
  }

  /** Releases timers and other resources; called by close(). */
  protected teardown(): void {}

  protected async listen(tls: TlsMaterial | undefined): Promise<void> {
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      this.#serve(req, res).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`emulator failure: ${String(error)}`);
      });
    };
    const track = (socket: Socket) => {
      this.#connections += 1;
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    };
    let server: Server;
    if (this.customMethods().length > 0) {
      server = frontServer(http.createServer(handler), this.customMethods(), tls, track);
    } else {
      server = tls ? https.createServer(tls, handler) : http.createServer(handler);
      server.on('connection', track);
    }
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.#server = server;
    const { port } = server.address() as AddressInfo;
    this.#url = `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
  }

  async #serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const record = await this.#record(req);
    const fault = this.faults.pick(record);
    if (fault !== undefined) {
      await this.#applyFault(fault, record, req, res);
      return;
    }
    this.#send(res, record, await this.handle(record));
  }

  async #applyFault(
    fault: Fault,
    record: RecordedRequest,
    req: IncomingMessage,
    res: ServerResponse,
  ) {
    if (fault.latencyMs !== undefined) await sleep(fault.latencyMs);
    if (isResetFault(fault)) {
      if (fault.afterApply) await this.handle(record);
      resetSocket(req.socket);
      return;
    }
    if (!isStatusFault(fault)) {
      this.#send(res, record, await this.handle(record));
      return;
    }
    if (fault.afterApply) await this.handle(record);
    const reply =
      fault.body === undefined
        ? this.faultReply(record, fault)
        : { status: fault.status, body: fault.body };
    const retryAfter: Record<string, string> = {};
    if (fault.retryAfterSeconds !== undefined) {
      retryAfter['retry-after'] = String(fault.retryAfterSeconds);
    }
    this.#send(res, record, {
      ...reply,
      headers: { ...retryAfter, ...reply.headers, ...fault.headers },
    });
  }

  async #record(req: IncomingMessage): Promise<RecordedRequest> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://emulator.invalid');
    const headers = { ...req.headers };
    const original = headers[ORIGINAL_METHOD_HEADER];
    delete headers[ORIGINAL_METHOD_HEADER];
    const method = typeof original === 'string' ? original : (req.method ?? 'GET');
    const record: RecordedRequest = {
      method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body: parseBody(rawBody),
      rawBody,
      kind: this.kindOf(method, url.pathname, headers),
      receivedAt: new Date(),
    };
    this.requests.push(record);
    return record;
  }

  #send(res: ServerResponse, record: RecordedRequest, reply: Reply): void {
    record.status = reply.status;
    const headers: Record<string, string> = { ...reply.headers };
    if (this.customMethods().length > 0) headers['connection'] = 'close';
    let payload = '';
    if (typeof reply.body === 'string') {
      payload = reply.body;
      headers['content-type'] ??= 'text/plain; charset=utf-8';
    } else if (reply.body !== undefined) {
      payload = JSON.stringify(reply.body);
      headers['content-type'] ??= 'application/json';
    }
    res.writeHead(reply.status, headers);
    res.end(payload);
  }
}

function parseBody(raw: string): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
