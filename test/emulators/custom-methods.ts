/**
 * Lets node:http serve request methods its parser does not know. Vault lists with the method
 * `LIST`, which llhttp rejects before any handler runs. Connections are therefore accepted by a
 * plain TCP (or TLS) server, and the first request line of each connection is rewritten to
 * `GET` with the original method carried in a header. The emulator answers with
 * `Connection: close`, so every connection carries exactly one request and only its first
 * line ever needs rewriting.
 */
import type { Server as HttpServer } from 'node:http';
import net from 'node:net';
import { Duplex } from 'node:stream';
import tls from 'node:tls';

/** Header that carries the method the client really sent. */
export const ORIGINAL_METHOD_HEADER = 'x-emulator-original-method';

/** A socket stand-in that rewrites the request line and passes everything else through. */
class RewritingSocket extends Duplex {
  readonly #socket: net.Socket;
  readonly #methods: readonly string[];
  #head: Buffer | undefined = Buffer.alloc(0);

  constructor(socket: net.Socket, methods: readonly string[]) {
    super();
    this.#socket = socket;
    this.#methods = methods;
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('end', () => this.push(null));
    socket.on('close', () => this.destroy());
    socket.on('error', (error) => this.destroy(error));
  }

  get remoteAddress(): string | undefined {
    return this.#socket.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.#socket.remotePort;
  }

  get encrypted(): boolean {
    return this.#socket instanceof tls.TLSSocket;
  }

  setTimeout(ms: number, callback?: () => void): this {
    this.#socket.setTimeout(ms, callback);
    return this;
  }

  setNoDelay(noDelay?: boolean): this {
    this.#socket.setNoDelay(noDelay);
    return this;
  }

  setKeepAlive(enable?: boolean, delay?: number): this {
    this.#socket.setKeepAlive(enable, delay);
    return this;
  }

  /** Drops the underlying connection with a TCP reset where possible. */
  resetAndDestroy(): this {
    resetSocket(this.#socket);
    return this;
  }

  #receive(chunk: Buffer): void {
    if (this.#head === undefined) {
      this.#forward(chunk);
      return;
    }
    this.#head = Buffer.concat([this.#head, chunk]);
    const text = this.#head.toString('latin1');
    const lineEnd = text.indexOf('\r\n');
    const custom = this.#methods.find((m) => text.startsWith(`${m} `));
    const undecided = this.#methods.some((m) => `${m} `.startsWith(text));
    if (lineEnd < 0 && (custom !== undefined || undecided)) return;

    const head = this.#head;
    this.#head = undefined;
    if (custom === undefined) {
      this.#forward(head);
      return;
    }
    const rewritten =
      `GET ${text.slice(custom.length + 1, lineEnd + 2)}` +
      `${ORIGINAL_METHOD_HEADER}: ${custom}\r\n${text.slice(lineEnd + 2)}`;
    this.#forward(Buffer.from(rewritten, 'latin1'));
  }

  #forward(chunk: Buffer): void {
    if (!this.push(chunk)) this.#socket.pause();
  }

  override _read(): void {
    this.#socket.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, done: (e?: Error | null) => void) {
    this.#socket.write(chunk, encoding, done);
  }

  override _final(done: (e?: Error | null) => void): void {
    this.#socket.end(done);
  }

  override _destroy(error: Error | null, done: (e?: Error | null) => void): void {
    this.#socket.destroy();
    done(error);
  }
}

/** Ends a connection abruptly: a TCP reset for plain sockets, a hard close for TLS. */
export function resetSocket(socket: Duplex): void {
  if (socket instanceof RewritingSocket) {
    socket.resetAndDestroy();
  } else if (socket instanceof net.Socket && !(socket instanceof tls.TLSSocket)) {
    socket.resetAndDestroy();
  } else {
    socket.destroy();
  }
}

/**
 * A TCP or TLS server that hands each connection to `http` through a rewriting socket.
 * `track` sees every raw connection so the emulator can close them all.
 */
export function frontServer(
  http: HttpServer,
  methods: readonly string[],
  tlsMaterial: { key: string; cert: string } | undefined,
  track: (socket: net.Socket) => void,
): net.Server {
  const accept = (socket: net.Socket) => {
    track(socket);
    http.emit('connection', new RewritingSocket(socket, methods));
  };
  if (tlsMaterial === undefined) return net.createServer(accept);
  const server = tls.createServer(tlsMaterial, accept);
  server.on('connection', track);
  return server;
}
