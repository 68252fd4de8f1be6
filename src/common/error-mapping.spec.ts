import {
  BadRequestException,
  ConflictException,
  HttpStatus,
  InternalServerErrorException,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { runInNewContext } from 'node:vm';
import { Prisma } from '../generated/prisma/client.js';
import { isDatabaseUnavailable, toHttpException } from './error-mapping.js';

const known = (code: string, message = `prisma error ${code}`) =>
  new Prisma.PrismaClientKnownRequestError(message, { code, clientVersion: '7.0.0' });

/** Prisma's pg adapter: a DriverAdapterError whose cause is a plain object (a kind, and the driver's code). */
const adapterError = (cause: Record<string, unknown>) =>
  Object.assign(new Error('driver adapter error'), { name: 'DriverAdapterError', cause });

/** What Prisma makes of an adapter error it has a code for: the adapter's error in `meta`. */
const knownFromAdapter = (code: string, cause: Record<string, unknown>) =>
  new Prisma.PrismaClientKnownRequestError(`Database error. Code: \`${cause.code}\``, {
    code,
    clientVersion: '7.0.0',
    meta: { driverAdapterError: adapterError(cause) },
  });

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
    [
      'Prisma P2028 (no connection for a transaction)',
      known('P2028', 'Transaction API error: Unable to start a transaction in the given time.'),
    ],
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
    ['SQLSTATE 08006 (connection failure)', pgError('server closed the connection', '08006')],
    ['SQLSTATE 08001 (cannot connect)', pgError('could not connect to server', '08001')],
    ['SQLSTATE 57P02 (crash shutdown)', pgError('terminating connection because of crash of another server process', '57P02')],
    ['SQLSTATE 53300 (too many connections)', pgError('sorry, too many clients already', '53300')],
    ['SQLSTATE 55000, a database closed to connections', pgError('database "app" is not currently accepting connections', '55000')],
    ['a socket error with no telling message', pgError('socket hang up', 'EPIPE')],
    ['the adapter: server not reachable', adapterError({ kind: 'DatabaseNotReachable', host: 'db', port: 5432 })],
    ['the adapter: connection closed', adapterError({ kind: 'ConnectionClosed' })],
    ['the adapter: socket timeout', adapterError({ kind: 'SocketTimeout' })],
    ['the adapter: too many connections', adapterError({ kind: 'TooManyConnections', cause: 'sorry, too many clients already' })],
    [
      'the adapter: a SQLSTATE of its own',
      adapterError({ kind: 'postgres', code: '57P01', originalCode: '57P01', severity: 'FATAL', message: 'terminating' }),
    ],
    [
      "Prisma P2039 around the adapter's statement timeout",
      knownFromAdapter('P2039', { kind: 'postgres', code: '57014', originalCode: '57014', severity: 'ERROR', message: 'canceling' }),
    ],
    ['Prisma P1008 (socket timeout)', known('P1008', 'Operation has timed out')],
    ['Prisma P2037 (too many connections)', known('P2037', 'Too many database connections opened')],
    ['Prisma initialization failure P1001', new Prisma.PrismaClientInitializationError("Can't reach database server", '7.0.0', 'P1001')],
    [
      "an error from another realm (Node's, under Jest)",
      runInNewContext("Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })"),
    ],
  ])('the database being unavailable, read from its codes (%s) is a 503', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(toHttpException(error).getStatus()).toBe(HttpStatus.SERVICE_UNAVAILABLE);
  });

  it.each([
    ['SQLSTATE 55000 for something else', pgError('currval of sequence "s" is not yet defined in this session', '55000')],
    ['SQLSTATE 23505 (unique violation)', pgError('duplicate key value violates unique constraint "users_email_key"', '23505')],
    ['the adapter: a unique violation', adapterError({ kind: 'UniqueConstraintViolation', constraint: { fields: ['email'] } })],
    [
      'the adapter: a syntax error',
      adapterError({ kind: 'postgres', code: '42601', originalCode: '42601', severity: 'ERROR', message: 'syntax error' }),
    ],
    [
      "Prisma P2039 around a SQLSTATE that is the query's fault",
      knownFromAdapter('P2039', { kind: 'postgres', code: '42883', originalCode: '42883', severity: 'ERROR', message: 'no such function' }),
    ],
    [
      'Prisma P2028 for a transaction used after its commit',
      known('P2028', 'Transaction API error: Transaction already closed: A query cannot be executed on a committed transaction.'),
    ],
    ['a message naming a socket error, without its code', new Error('upstream said ECONNREFUSED once')],
    ['an object shaped like an adapter error', { name: 'DriverAdapterError', message: 'x', cause: { kind: 'DatabaseNotReachable' } }],
  ])('%s is not the database being unavailable', (_, error) => {
    expect(isDatabaseUnavailable(error)).toBe(false);
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
