import {
  BadRequestException,
  ConflictException,
  HttpException,
  InternalServerErrorException,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { isNativeError } from 'node:util/types';
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

/**
 * Connection refused or lost, pool exhausted, statement timed out: the database, not the request. Read from the
 * error's codes (Node's socket codes, PostgreSQL's SQLSTATE, Prisma's codes and its adapter's error kinds), through
 * its causes; a few errors of node-postgres and Prisma carry only a message (MESSAGE_ONLY).
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  return isUnavailable(error, 0);
}

function isUnavailable(error: unknown, depth: number): boolean {
  // isNativeError rather than instanceof: true for errors made in another realm too (Node's own, under Jest's vm).
  if (!isNativeError(error) || depth > 3) return false;
  const { code, errorCode, cause, meta } = error as {
    code?: unknown;
    errorCode?: unknown;
    cause?: unknown;
    meta?: { driverAdapterError?: unknown };
  };
  return (
    [code, errorCode].some((value) => typeof value === 'string' && isUnavailableCode(value, error.message)) ||
    isUnavailableAdapterCause(error, cause) ||
    MESSAGE_ONLY.some((text) => error.message.includes(text)) ||
    isUnavailable(cause, depth + 1) ||
    isUnavailable(meta?.driverAdapterError, depth + 1)
  );
}

/** Node's socket errors: the server cannot be reached, or the connection to it broke. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);

/**
 * PostgreSQL (SQLSTATE): admin or crash shutdown, starting up or shutting down (57P01-57P03), too many connections
 * (53300), statement timeout or cancel (57014); the whole class 08 (connection exceptions) comes on top.
 */
const SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '57014']);

/**
 * Prisma: can't reach the server, timed out reaching it, socket timeout (P1001, P1002, P1008), server closed the
 * connection (P1017), no pool connection in time (P2024), too many connections (P2037).
 */
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2037']);

function isUnavailableCode(code: string, message: string): boolean {
  if (SOCKET_CODES.has(code) || SQLSTATES.has(code) || PRISMA_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code)) return true;
  // 55000 (object not in prerequisite state) means many things; one of them is a database closed to connections.
  return code === '55000' && message.includes('not currently accepting connections');
}

/** Prisma's pg adapter raises a DriverAdapterError whose `cause` is a plain object: a kind, and the driver's code. */
const ADAPTER_KINDS = new Set(['DatabaseNotReachable', 'ConnectionClosed', 'SocketTimeout', 'TooManyConnections']);

function isUnavailableAdapterCause(error: Error, cause: unknown): boolean {
  if (error.name !== 'DriverAdapterError' || cause === null || typeof cause !== 'object') return false;
  const { kind, code, originalCode, message, originalMessage } = cause as Record<string, unknown>;
  if (typeof kind === 'string' && ADAPTER_KINDS.has(kind)) return true;
  const sqlState = typeof code === 'string' ? code : originalCode;
  const text = String(originalMessage ?? message ?? '');
  return typeof sqlState === 'string' && isUnavailableCode(sqlState, text);
}

/** Errors that carry no code, only their message. */
const MESSAGE_ONLY = [
  'timeout exceeded when trying to connect', // pg-pool: no connection within connectionTimeoutMillis
  'Connection terminated', // pg: the server closed the connection ("... unexpectedly", "... due to connection timeout")
  'Query read timeout', // pg: the client-side query_timeout (a server that stopped answering)
  'Client was closed and is not queryable', // pg: a query on the connection that timeout closed
  'Unable to start a transaction in the given time', // Prisma P2028: no connection within maxWait
  'cannot be executed on an expired transaction', // Prisma P2028: the transaction's time ran out
];

/** Fastify's own request errors (FST_ERR_*: body too large, bad JSON, unsupported media type) carry a 4xx. */
function clientErrorStatusOf(error: unknown): number | undefined {
  const { code, statusCode } = (error ?? {}) as { code?: unknown; statusCode?: unknown };
  const fromFastify = typeof code === 'string' && code.startsWith('FST_');
  return fromFastify && typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500 ? statusCode : undefined;
}
