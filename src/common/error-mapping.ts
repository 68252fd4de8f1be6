import {
  BadRequestException,
  ConflictException,
  HttpException,
  InternalServerErrorException,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { Prisma } from '../generated/prisma/client.js';

/** The one place where errors from the database layer get their HTTP meaning. */
export function toHttpException(error: unknown): HttpException {
  if (error instanceof HttpException) return error;
  const fastifyStatus = clientErrorStatusOf(error);
  if (fastifyStatus) return new HttpException({ statusCode: fastifyStatus, message: (error as Error).message }, fastifyStatus);
  if (isDatabaseUnavailable(error)) return new ServiceUnavailableException('database unavailable, try again shortly');
  if (error instanceof Prisma.PrismaClientKnownRequestError) {
    if (error.code === 'P2002') return new ConflictException('already exists');
    if (error.code === 'P2025') return new NotFoundException('not found');
    if (error.code === 'P2000') return new BadRequestException('a value is too long');
  }
  return new InternalServerErrorException();
}

/** Connection refused or lost, pool exhausted, statement timed out: the database, not the request. */
export function isDatabaseUnavailable(error: unknown): boolean {
  const text = describe(error);
  return DATABASE_DOWN.some((pattern) => pattern.test(text));
}

const DATABASE_DOWN = [
  /ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENOTFOUND|EPIPE/,
  // SQLSTATE: connection exceptions (08xxx), admin/crash shutdown (57P01-57P03), too many connections (53300),
  // a database that refuses connections (55000 with "not currently accepting connections").
  /\b(08\d{3}|57P0[1-3]|53300)\b/,
  /not currently accepting connections|too many clients|Connection refused/i,
  /timeout exceeded when trying to connect/i,
  /Connection terminated/i,
  /canceling statement due to statement timeout/i,
  // The client-side query timeout (a server that stopped answering), and a query on the connection it closed.
  /Query read timeout|Client was closed and is not queryable/,
  // Prisma's interactive transactions: no connection within maxWait, or the transaction's time ran out.
  /Unable to start a transaction in the given time|cannot be executed on an expired transaction/,
  /terminating connection due to administrator command/i,
  /the database system is (starting up|shutting down)/i,
  /Can't reach database server|DatabaseNotReachable|ConnectionClosed|SocketTimeout/i,
  /P1001|P1002|P1017|P2024/,
];

function describe(error: unknown, depth = 0): string {
  if (!(error instanceof Error) || depth > 3) return String(error);
  const code = (error as { code?: unknown }).code;
  const cause = (error as { cause?: unknown }).cause;
  return [error.name, String(code ?? ''), error.message, cause ? describe(cause, depth + 1) : ''].join(' ');
}

/** Fastify's own request errors (FST_ERR_*: body too large, bad JSON, unsupported media type) carry a 4xx. */
function clientErrorStatusOf(error: unknown): number | undefined {
  const { code, statusCode } = (error ?? {}) as { code?: unknown; statusCode?: unknown };
  const fromFastify = typeof code === 'string' && code.startsWith('FST_');
  return fromFastify && typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500 ? statusCode : undefined;
}
