import { connect, type Socket } from 'node:net';

/** One request, sent as the same bytes every time. */
export interface LoadTarget {
  url: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  requests_per_s: number;
  p50_ms: number;
  p99_ms: number;
  errors: number;
  non_2xx: number;
}

const headerEnd = Buffer.from('\r\n\r\n');
const chunkedEnd = Buffer.from('\r\n0\r\n\r\n');

/**
 * One HTTP/1.1 keep-alive connection that sends a pre-encoded request and reads the answer: its
 * status and, by `Content-Length` (or the end of a chunked body), where it ends.
 *
 * Why not undici: the load generator shares the 2 cores with the gateway, the subgraph and
 * PostgreSQL, and undici's client cost 160-190 µs of CPU per request, about a sixth of the
 * whole machine's budget at 1,000 req/s; this costs a fraction of it (bench/gateway/README.md).
 */
class Connection {
  readonly #socket: Socket;
  #buffer: Buffer = Buffer.alloc(0);
  #pending: { resolve: (status: number) => void; reject: (error: Error) => void } | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', (error) => this.#fail(error));
    socket.on('close', () => this.#fail(new Error('connection closed')));
  }

  static open(host: string, port: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      socket.once('connect', () => resolve(new Connection(socket)));
      socket.once('error', reject);
    });
  }

  send(bytes: Buffer): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#socket.write(bytes);
    });
  }

  close(): void {
    this.#socket.removeAllListeners('close');
    this.#socket.destroy();
  }

  #fail(error: Error): void {
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(error);
  }

  #onData(chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
    const end = this.#buffer.indexOf(headerEnd);
    if (end < 0) return;
    const head = this.#buffer.toString('latin1', 0, end);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    let total: number;
    if (length) {
      total = end + 4 + Number(length[1]);
      if (this.#buffer.length < total) return;
    } else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
      const last = this.#buffer.indexOf(chunkedEnd, end);
      if (last < 0) return;
      total = last + chunkedEnd.length;
    } else {
      total = end + 4;
    }
    const status = Number(head.slice(9, 12));
    this.#buffer = this.#buffer.subarray(total);
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.resolve(status);
  }
}

function encode(target: LoadTarget): { host: string; port: number; bytes: Buffer } {
  const url = new URL(target.url);
  const body = target.body === undefined ? undefined : Buffer.from(target.body);
  const lines = [`${target.method} ${url.pathname}${url.search} HTTP/1.1`, `host: ${url.host}`, 'connection: keep-alive'];
  for (const [name, value] of Object.entries(target.headers ?? {})) lines.push(`${name}: ${value}`);
  if (body) lines.push(`content-length: ${body.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return { host: url.hostname, port: Number(url.port), bytes: body ? Buffer.concat([head, body]) : head };
}

/**
 * A closed-loop load generator: `concurrency` connections, each sending its next request when the
 * previous answers, for `seconds`. Latencies are kept in microseconds (autocannon rounds to whole
 * milliseconds, too coarse for a 1 ms budget).
 */
export async function runLoad(target: LoadTarget, concurrency: number, seconds: number): Promise<LoadResult> {
  const { host, port, bytes } = encode(target);
  const connections = await Promise.all(Array.from({ length: concurrency }, () => Connection.open(host, port)));
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  const deadline = performance.now() + seconds * 1000;
  try {
    await Promise.all(
      connections.map(async (connection) => {
        while (performance.now() < deadline) {
          const started = performance.now();
          try {
            const status = await connection.send(bytes);
            if (status < 200 || status >= 300) non2xx++;
          } catch {
            errors++;
            return;
          }
          latencies.push(performance.now() - started);
        }
      }),
    );
  } finally {
    for (const connection of connections) connection.close();
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN) * 1000) / 1000;
  return { requests_per_s: Math.round(latencies.length / seconds), p50_ms: at(0.5), p99_ms: at(0.99), errors, non_2xx: non2xx };
}
