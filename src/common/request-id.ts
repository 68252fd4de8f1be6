import { randomUUID } from 'node:crypto';
import { type IncomingMessage } from 'node:http';

/** A short token of safe characters: it is echoed in a header and written to every log line of the request. */
const SAFE_REQUEST_ID = /^[\w.:-]{1,64}$/;

/** The client's X-Request-Id when it is a sane token (it ends up in logs), else a new UUID. */
export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
}
