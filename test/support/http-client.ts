// HTTP over real sockets (node:http), with what the reliability tests need to know about each request:
// when it left, how long it took, whether it went over a reused keep-alive connection, and the socket
// error code (ECONNREFUSED, ECONNRESET, ...) when there was no response.
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON when the response is JSON, else the text. */
  body: any;
  /** performance.now() when the request had been written to the socket. */
  sentAt: number;
  /** Milliseconds from the call to the end of the response. */
  ms: number;
  reusedSocket: boolean;
}

/** No response: the socket error (`code`), and when the request had been written, if it had. */
export class HttpCallError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly sentAt: number | undefined,
    readonly reusedSocket: boolean,
    readonly ms: number,
  ) {
    super(message);
  }
}

export interface HttpCallOptions {
  /** Sent as `Authorization: Bearer <token>`. */
  token?: string;
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
  /** A keep-alive agent to share connections; false for a connection of its own (the default). */
  agent?: http.Agent | false;
  /** The call fails with code ETESTTIMEOUT after this long (default 30 s): a test never hangs on a request. */
  timeoutMs?: number;
  /** The address the connection comes from: any of 127.0.0.0/8 is a distinct client that a proxy on 127.0.0.1 sees. */
  localAddress?: string;
}

export function httpCall(port: number, method: string, path: string, options: HttpCallOptions = {}): Promise<HttpResponse> {
  const started = performance.now();
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  if (payload !== undefined) headers['content-type'] = 'application/json';
  const target = { host: '127.0.0.1', port, method, path, headers, agent: options.agent ?? false, localAddress: options.localAddress };
  return new Promise((resolve, reject) => {
    let sentAt: number | undefined;
    const request = http.request(target, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', fail);
      response.on('end', () => {
        clearTimeout(timer);
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        if (String(response.headers['content-type']).includes('json') && text) {
          try {
            body = JSON.parse(text);
          } catch {
            // kept as text
          }
        }
        resolve({
          status: response.statusCode ?? 0,
          headers: response.headers,
          body,
          sentAt: sentAt ?? started,
          ms: performance.now() - started,
          reusedSocket: request.reusedSocket,
        });
      });
    });
    const timer = setTimeout(
      () => request.destroy(Object.assign(new Error(`no response in ${options.timeoutMs ?? 30_000} ms`), { code: 'ETESTTIMEOUT' })),
      options.timeoutMs ?? 30_000,
    );
    request.on('finish', () => (sentAt = performance.now()));
    request.on('error', fail);
    function fail(error: NodeJS.ErrnoException) {
      clearTimeout(timer);
      reject(
        new HttpCallError(
          `${method} ${path}: ${error.message}`,
          error.code ?? 'EUNKNOWN',
          sentAt,
          request.reusedSocket,
          performance.now() - started,
        ),
      );
    }
    request.end(payload);
  });
}

/** A keep-alive agent holding up to `connections` sockets. */
export function keepAliveAgent(connections: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
}
