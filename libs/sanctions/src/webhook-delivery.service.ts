import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { OPERATOR_SCOPE, tenantScope, TransactionHost } from '@govmatrix/database';
import { toNoticeDto } from './notices.service';
import { NoticesRepository } from './notices.repository';
import { SIGNATURE_HEADER, signPayload } from './webhook-signature';
import { ClaimedDelivery, NewDelivery, WebhooksRepository } from './webhooks.repository';

/** First retry after 30 s, then doubling: 30 s, 1 min, 2 min … capped at 6 h; given up after 12 attempts (~1.5 days). */
export const RETRY_BASE_MS = 30_000;
export const RETRY_CAP_MS = 6 * 3_600_000;
export const MAX_ATTEMPTS = 12;
/** How long a claimed delivery is kept from other workers while its attempt runs. */
const LEASE_SECONDS = 120;
const ATTEMPT_TIMEOUT_MS = 10_000;
const BATCH = 50;

export const retryDelayMs = (attempts: number): number => Math.min(RETRY_BASE_MS * 2 ** (attempts - 1), RETRY_CAP_MS);

export interface DeliveryRunOutcome {
  /** Deliveries created for new notices (one per matching endpoint). */
  enqueued: number;
  attempted: number;
  delivered: number;
  /** Attempts that failed and will be retried. */
  retrying: number;
  /** Deliveries given up after the last attempt. */
  failed: number;
}

/**
 * Delivers notices to webhook endpoints: a JSON POST signed with the endpoint's secret, retried
 * with exponential backoff. Safe with any number of workers: notices are fanned out and deliveries
 * claimed under FOR UPDATE SKIP LOCKED, and a claimed delivery is leased, so each attempt is made
 * by one worker; the HTTP call itself runs outside any transaction.
 */
@Injectable()
export class WebhookDeliveryService {
  private readonly logger = new Logger('Webhooks');
  private polling = false;

  constructor(
    private readonly tx: TransactionHost,
    private readonly webhooks: WebhooksRepository,
    private readonly notices: NoticesRepository,
  ) {}

  /** In processes that run the schedule (the worker; the API unless RUN_SCHEDULER=false): every 10 s. */
  @Interval('webhook_delivery', 10_000)
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      await this.deliverDue();
    } catch (error) {
      this.logger.error({ err: error }, 'webhook delivery failed');
    } finally {
      this.polling = false;
    }
  }

  /** One pass over every tenant (or one): new notices become deliveries, due deliveries are attempted. `now` decides what is due. */
  async deliverDue(options: { now?: Date; tenantId?: string } = {}): Promise<DeliveryRunOutcome> {
    const now = options.now ?? new Date();
    const outcome: DeliveryRunOutcome = { enqueued: 0, attempted: 0, delivered: 0, retrying: 0, failed: 0 };
    const tenants = await this.tx.run(OPERATOR_SCOPE, () => this.webhooks.tenantScopes());
    for (const tenant of tenants.filter((t) => !options.tenantId || t.tenantId === options.tenantId)) {
      const scope = tenantScope(tenant.tenantId, tenant.rootPath);
      outcome.enqueued += await this.tx.run(scope, () => this.fanOut(tenant.tenantId, tenant.rootPath, now));
      for (;;) {
        const claimed = await this.tx.run(scope, () => this.webhooks.claimDue(tenant.tenantId, tenant.rootPath, now, LEASE_SECONDS, BATCH));
        if (claimed.length === 0) break;
        const results = await Promise.all(claimed.map((d) => this.attempt(d)));
        await this.tx.run(scope, async () => {
          for (const [i, result] of results.entries()) {
            const claim = claimed[i];
            const status = result.ok ? 'delivered' : claim.attempts >= MAX_ATTEMPTS ? 'failed' : 'pending';
            await this.webhooks.recordAttempt(tenant.tenantId, claim, {
              status,
              httpStatus: result.httpStatus,
              error: result.error,
              nextAttemptAt: new Date(now.getTime() + retryDelayMs(claim.attempts)),
            });
            outcome.attempted += 1;
            if (status === 'delivered') outcome.delivered += 1;
            else if (status === 'failed') outcome.failed += 1;
            else outcome.retrying += 1;
          }
        });
        if (claimed.length < BATCH) break;
      }
    }
    return outcome;
  }

  /** Each new notice gets one delivery per endpoint whose subtree holds its unit; the body is fixed here, so retries send the same bytes. */
  private async fanOut(tenantId: string, rootPath: string, now: Date): Promise<number> {
    const pending = await this.webhooks.noticesToFanOut(tenantId, rootPath, 500);
    if (pending.length === 0) return 0;
    const notices = new Map(
      (
        await this.notices.byIds(
          tenantId,
          rootPath,
          pending.filter((p) => p.endpointIds.length > 0).map((p) => p.noticeId),
        )
      ).map((n) => [n.id, toNoticeDto(n)]),
    );
    const deliveries: NewDelivery[] = pending.flatMap((p) =>
      p.endpointIds.map((endpointId) => {
        const id = randomUUID();
        const payload = JSON.stringify({ id, type: 'notice.created', createdAt: now.toISOString(), data: notices.get(p.noticeId) });
        return { id, endpointId, noticeId: p.noticeId, unitId: p.unitId, payload };
      }),
    );
    await this.webhooks.insertDeliveries(tenantId, deliveries, now);
    await this.webhooks.markFannedOut(
      tenantId,
      pending.map((p) => p.noticeId),
    );
    return deliveries.length;
  }

  private async attempt(d: ClaimedDelivery): Promise<{ ok: boolean; httpStatus: number | null; error: string | null }> {
    try {
      const res = await fetch(d.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'GovMatrix-Webhooks/1',
          'x-govmatrix-delivery': d.id,
          'x-govmatrix-event': 'notice.created',
          [SIGNATURE_HEADER.toLowerCase()]: signPayload(d.secret, d.payload),
        },
        body: d.payload,
        redirect: 'manual',
        signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
      });
      await res.body?.cancel().catch(() => undefined);
      const ok = res.status >= 200 && res.status < 300;
      return { ok, httpStatus: res.status, error: ok ? null : `HTTP ${res.status}` };
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      return { ok: false, httpStatus: null, error: `${(error as Error).message}${cause ? ` (${cause})` : ''}`.slice(0, 500) };
    }
  }
}
