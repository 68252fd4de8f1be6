import pg from 'pg';

/** The message of node-postgres's client-side `query_timeout` error. */
export const QUERY_TIMEOUT_MESSAGE = 'Query read timeout';

/**
 * A pg client that closes its connection when a query times out on the client side. node-postgres fails
 * the query but leaves it in flight, so the connection would go back to the pool stuck behind a server
 * that does not answer (or a link that is gone), and every query after it would wait there too.
 * Prisma's adapter releases a transaction's connection without an error, so the pool alone would keep it.
 */
export class TimeoutSafeClient extends pg.Client {
  // pg's `query` has a dozen overloads: forward them all as they are.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override query(...args: any[]): any {
    const query = super.query as (...forwarded: unknown[]) => unknown;
    const last = args.length - 1;
    if (typeof args[last] === 'function') {
      const callback = args[last] as (error: Error | null, result?: unknown) => void;
      args[last] = (error: Error | null, result?: unknown) => {
        this.closeIfTimedOut(error);
        callback(error, result);
      };
      return query.apply(this, args);
    }
    const result = query.apply(this, args);
    if (result instanceof Promise) result.catch((error: unknown) => this.closeIfTimedOut(error));
    return result;
  }

  private closeIfTimedOut(error: unknown): void {
    if (error instanceof Error && error.message === QUERY_TIMEOUT_MESSAGE) this.end().catch(() => undefined);
  }
}
