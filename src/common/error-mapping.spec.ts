import {
  BadRequestException,
  ConflictException,
  HttpStatus,
  InternalServerErrorException,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { Prisma } from '../generated/prisma/client.js';
import { isDatabaseUnavailable, toHttpException } from './error-mapping.js';

const known = (code: string, message = `prisma error ${code}`) =>
  new Prisma.PrismaClientKnownRequestError(message, { code, clientVersion: '7.0.0' });

/** An error as `pg` raises it: a message and a `code`. */
const pgError = (message: string, code?: string) => Object.assign(new Error(message), code ? { code } : {});

describe('toHttpException', () => {
  it('passes HttpExceptions through unchanged', () => {
    const error = new BadRequestException('bad');
    expect(toHttpException(error)).toBe(error);
    const conflict = new ConflictException('taken');
    expect(toHttpException(conflict)).toBe(conflict);
  });

  it('P2002 (unique constraint) is a 409', () => {
    const exception = toHttpException(known('P2002'));
    expect(exception).toBeInstanceOf(ConflictException);
    expect(exception.getStatus()).toBe(409);
  });

  it('P2025 (record not found) is a 404', () => {
    const exception = toHttpException(known('P2025'));
    expect(exception).toBeInstanceOf(NotFoundException);
    expect(exception.getStatus()).toBe(404);
  });

  it('P2000 (value too long for its column) is a 400 that names no column', () => {
    const exception = toHttpException(known('P2000', 'The provided value for the column `ip` is too long'));
    expect(exception.getStatus()).toBe(400);
    expect(JSON.stringify(exception.getResponse())).not.toMatch(/`ip`/);
  });

  it.each(['P2003', 'P2010'])('another known request error (%s) is a bare 500', (code) => {
    const exception = toHttpException(known(code, 'Foreign key constraint violated: `sessions_user_id_fkey` SELECT secret'));
    expect(exception).toBeInstanceOf(InternalServerErrorException);
    expect(JSON.stringify(exception.getResponse())).not.toMatch(/sessions_user_id_fkey|SELECT/);
  });

  it.each([
    ['connection refused', pgError('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['connection reset', pgError('read ECONNRESET', 'ECONNRESET')],
    ['unknown host', pgError('getaddrinfo ENOTFOUND db', 'ENOTFOUND')],
    ['pool timeout', new Error('timeout exceeded when trying to connect')],
    ['connection terminated', new Error('Connection terminated unexpectedly')],
    ['statement timeout', pgError('canceling statement due to statement timeout', '57014')],
    ['admin shutdown', pgError('terminating connection due to administrator command', '57P01')],
    ['server starting', pgError('the database system is starting up', '57P03')],
    ['server shutting down', pgError('the database system is shutting down', '57P03')],
    ['Prisma P1001', known('P1001', "Can't reach database server at `db:5432`")],
    ['Prisma P2024 (pool timeout)', known('P2024', 'Timed out fetching a new connection from the connection pool.')],
    ['Prisma P1017', known('P1017', 'Server has closed the connection.')],
    ['client-side query timeout', new Error('Query read timeout')],
    ['a query on the connection that timeout closed', new Error('Client was closed and is not queryable')],
    ['Prisma P2028 (no connection for a transaction)', known('P2028', 'Transaction API error: Unable to start a transaction in the given time.')],
    ['a wrapped cause', Object.assign(new Error('query failed'), { cause: pgError('connect ECONNREFUSED 10.0.0.1:5432', 'ECONNREFUSED') })],
  ])('the database being unavailable (%s) is a 503', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
    const exception = toHttpException(error);
    expect(exception).toBeInstanceOf(ServiceUnavailableException);
    expect(exception.getStatus()).toBe(HttpStatus.SERVICE_UNAVAILABLE);
    // No driver detail (addresses, codes) reaches the client.
    expect(JSON.stringify(exception.getResponse())).not.toMatch(/ECONN|127\.0\.0\.1|10\.0\.0\.1|P1001|P2024|5432/);
  });

  it.each([
    ['a plain Error', new Error('boom')],
    ['a TypeError', new TypeError("Cannot read properties of undefined (reading 'id')")],
    ['a string', 'something went wrong'],
    ['undefined', undefined],
    ['null', null],
    ['an object', { message: 'ECONNREFUSED-looking but not an Error' }],
  ])('%s is a bare 500 without detail', (_, error) => {
    const exception = toHttpException(error);
    expect(exception).toBeInstanceOf(InternalServerErrorException);
    expect(exception.getStatus()).toBe(500);
    expect(JSON.stringify(exception.getResponse())).not.toMatch(/boom|Cannot read|something went wrong/);
  });

  it('a query error that merely mentions a timeout column is not a 503', () => {
    expect(isDatabaseUnavailable(new Error('column "timeout" does not exist'))).toBe(false);
    expect(isDatabaseUnavailable(known('P2002', 'Unique constraint failed on the fields: (`email`)'))).toBe(false);
  });

  it('does not recurse forever on a cyclic cause', () => {
    const a = new Error('a') as Error & { cause?: unknown };
    const b = new Error('b') as Error & { cause?: unknown };
    a.cause = b;
    b.cause = a;
    expect(isDatabaseUnavailable(a)).toBe(false);
    expect(toHttpException(a)).toBeInstanceOf(InternalServerErrorException);
  });
});
