import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AppError, BadRequestError, ConflictError } from '@govmatrix/common';
import { TransactionHost } from '@govmatrix/database';

export const IDEMPOTENCY_TTL_DAYS = 7;
const KEY_PATTERN = /^[A-Za-z0-9._:-]{8,200}$/;

export interface IdempotentAnswer<T> {
  status: number;
  body: T;
  /** True when this is the stored answer of an earlier request with the same key. */
  replayed: boolean;
}

@Injectable()
export class IdempotencyRepository {
  constructor(private readonly tx: TransactionHost) {}

  /** Only one request per key at a time; false when another holds it right now. */
  async tryLock(tenantId: string, subjectId: string, key: string): Promise<boolean> {
    const [row]: { locked: boolean }[] = await this.tx.manager.query(
      `SELECT pg_try_advisory_xact_lock(hashtextextended($1 || ':' || $2 || ':' || $3, 7)) AS locked`,
      [tenantId, subjectId, key],
    );
    return row.locked;
  }

  async find(
    tenantId: string,
    subjectId: string,
    key: string,
  ): Promise<{ requestHash: Buffer; status: number; body: unknown } | undefined> {
    // Stored as text, not jsonb, so that a replay is byte for byte the first answer.
    const rows: { requestHash: Buffer; status: number; body: string }[] = await this.tx.manager.query(
      `SELECT request_hash AS "requestHash", response_status AS status, response_body AS body
       FROM idempotency_keys WHERE tenant_id = $1 AND subject_id = $2 AND key = $3 AND expires_at > now()`,
      [tenantId, subjectId, key],
    );
    return rows[0] && { ...rows[0], body: JSON.parse(rows[0].body) as unknown };
  }

  async store(tenantId: string, subjectId: string, key: string, requestHash: Buffer, status: number, body: unknown): Promise<void> {
    // An expired key of the same name is replaced.
    await this.tx.manager.query(`DELETE FROM idempotency_keys WHERE tenant_id = $1 AND subject_id = $2 AND key = $3`, [
      tenantId,
      subjectId,
      key,
    ]);
    await this.tx.manager.query(
      `INSERT INTO idempotency_keys (tenant_id, subject_id, key, request_hash, response_status, response_body, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(days => $7))`,
      [tenantId, subjectId, key, requestHash, status, JSON.stringify(body), IDEMPOTENCY_TTL_DAYS],
    );
  }
}

/**
 * Exactly-once batches: the key and the stored answer commit in the same transaction as the rows,
 * so a retry after any failure either finds the answer (replayed) or finds nothing written.
 * The same key with another body is a 422; the same key while the first is still running, a 409.
 */
@Injectable()
export class IdempotencyService {
  constructor(private readonly repository: IdempotencyRepository) {}

  static requestHash(method: string, path: string, body: unknown): Buffer {
    return createHash('sha256')
      .update(`${method} ${path}\n`)
      .update(JSON.stringify(body ?? null))
      .digest();
  }

  /**
   * The fingerprint of a request from its body as received (the bytes the JSON parser read), without
   * serialising a large parsed body again. A retry sends the same bytes; `variant` adds what else makes
   * two requests differ (query options).
   */
  static rawRequestHash(method: string, path: string, variant: string, rawBody: Buffer): Buffer {
    return createHash('sha256').update(`${method} ${path}\n${variant}\n`).update(rawBody).digest();
  }

  /** Must be called inside the transaction that does the work. */
  async run<T>(
    scope: { tenantId: string; subjectId: string },
    key: string | undefined,
    requestHash: Buffer | (() => Buffer),
    work: () => Promise<{ status: number; body: T }>,
  ): Promise<IdempotentAnswer<T>> {
    if (key === undefined) return { ...(await work()), replayed: false };
    const hash = typeof requestHash === 'function' ? requestHash() : requestHash;
    if (!KEY_PATTERN.test(key)) {
      throw new BadRequestError('The Idempotency-Key header must be 8–200 characters of A–Z a–z 0–9 . _ : -', [
        { pointer: '/headers/idempotency-key', reason: 'invalid idempotency key' },
      ]);
    }
    const { tenantId, subjectId } = scope;
    if (!(await this.repository.tryLock(tenantId, subjectId, key))) {
      throw new ConflictError('request_in_progress', 'A request with this Idempotency-Key is still being processed; retry shortly');
    }
    const stored = await this.repository.find(tenantId, subjectId, key);
    if (stored) {
      if (!stored.requestHash.equals(hash)) {
        throw new AppError(
          422,
          'idempotency_key_reused',
          'Unprocessable Content',
          'This Idempotency-Key was used with a different request body',
        );
      }
      return { status: stored.status, body: stored.body as T, replayed: true };
    }
    const answer = await work();
    await this.repository.store(tenantId, subjectId, key, hash, answer.status, answer.body);
    return { ...answer, replayed: false };
  }
}
