import { HttpException } from '@nestjs/common';
import { QueryFailedError, QueryRunnerAlreadyReleasedError, QueryRunnerProviderAlreadyReleasedError } from 'typeorm';
import { ConflictError, ServiceUnavailableError } from './app-error';
import { mapToProblem } from './problem-mapper';

const pgError = (code: string, message = 'failed'): QueryFailedError =>
  new QueryFailedError('SELECT 1', [], Object.assign(new Error(message), { code }));

describe('mapToProblem: the database unavailable is a 503 with Retry-After, never a 500', () => {
  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })],
    ['the server shutting down (57P01)', pgError('57P01', 'terminating connection due to administrator command')],
    ['the server starting up (57P03)', pgError('57P03', 'the database system is starting up')],
    ['a connection cut mid-query', new Error('Connection terminated unexpectedly')],
    ['a pooled client broken while idle', new Error('Client has encountered a connection error and is not queryable')],
    ['a query in a transaction whose connection TypeORM released after it failed', new QueryRunnerProviderAlreadyReleasedError()],
    ['the COMMIT of such a transaction', new QueryRunnerAlreadyReleasedError()],
  ])('%s', (_what, error) => {
    const mapped = mapToProblem(error);
    expect(mapped).toMatchObject({ problem: { status: 503, code: 'database_unavailable' }, unexpected: false });
    expect(mapped.headers).toEqual({ 'Retry-After': '2' });
  });

  it('every 503 carries Retry-After, whoever throws it; other statuses do not', () => {
    expect(mapToProblem(new ServiceUnavailableError('migrations_pending', 'Pending migrations: X'))).toMatchObject({
      problem: { status: 503, code: 'migrations_pending', title: 'Service Unavailable' },
      headers: { 'Retry-After': '2' },
      unexpected: false,
    });
    expect(mapToProblem(new HttpException('down', 503)).headers).toEqual({ 'Retry-After': '2' });
    expect(mapToProblem(new ConflictError('duplicate', 'exists')).headers).toBeUndefined();
    const bug = mapToProblem(new Error('a bug'));
    expect(bug).toMatchObject({ problem: { status: 500 }, unexpected: true });
    expect(bug.headers).toBeUndefined();
  });
});
