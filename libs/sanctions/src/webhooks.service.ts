import { Injectable } from '@nestjs/common';
import { AuditService } from '@govmatrix/audit';
import { AuthContext, dbScopeOf, TenantAuthContext } from '@govmatrix/auth';
import {
  ConflictError,
  decodeCursor,
  DEFAULT_PAGE_SIZE,
  encodeCursor,
  NotFoundError,
  PageQueryDto,
  ValidationError,
} from '@govmatrix/common';
import { TransactionHost } from '@govmatrix/database';
import { requireTenantCaller, UnitsRepository } from '@govmatrix/tenancy';
import { newWebhookSecret } from './webhook-signature';
import {
  CreatedWebhookEndpointDto,
  CreateWebhookEndpointDto,
  WebhookDeliveryDto,
  WebhookDeliveryPageDto,
  WebhookEndpointDto,
  WebhookEndpointListDto,
} from './webhooks.dto';
import { WebhookDeliveryRecord, WebhookEndpointRecord, WebhooksRepository } from './webhooks.repository';

const iso = (value: Date | null): string | null => (value ? new Date(value).toISOString() : null);

const toEndpointDto = (e: WebhookEndpointRecord): WebhookEndpointDto => ({
  id: e.id,
  unitId: e.unitId,
  unitName: e.unitName,
  url: e.url,
  description: e.description,
  active: e.active,
  createdAt: iso(e.createdAt)!,
  deactivatedAt: iso(e.deactivatedAt),
});

const toDeliveryDto = (d: WebhookDeliveryRecord): WebhookDeliveryDto => ({
  id: d.id,
  noticeId: d.noticeId,
  status: d.status,
  attempts: d.attempts,
  nextAttemptAt: iso(d.nextAttemptAt)!,
  lastAttemptAt: iso(d.lastAttemptAt),
  lastStatus: d.lastStatus,
  lastError: d.lastError,
  deliveredAt: iso(d.deliveredAt),
  createdAt: iso(d.createdAt)!,
});

/** A tenant admin's webhook endpoints: notices of a subtree POSTed, signed, to a URL. */
@Injectable()
export class WebhooksService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly webhooks: WebhooksRepository,
    private readonly units: UnitsRepository,
    private readonly audit: AuditService,
  ) {}

  /** Registers an endpoint; its signing secret is in this answer only. */
  create(auth: AuthContext, dto: CreateWebhookEndpointDto): Promise<CreatedWebhookEndpointDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      const unitId = dto.unitId
        ? (await this.units.findInScope(caller.tenantId, caller.scopePath, dto.unitId))?.id
        : await this.webhooks.unitAt(caller.tenantId, caller.scopePath);
      if (!unitId)
        throw new ValidationError('The unit does not exist in your scope', [{ pointer: '/unitId', reason: 'no such unit in your scope' }]);
      const secret = newWebhookSecret();
      const id = await this.webhooks.insertEndpoint(caller.tenantId, {
        unitId,
        url: dto.url,
        secret,
        description: dto.description ?? null,
        createdBy: caller.subjectId,
      });
      const endpoint = await this.require(caller, id);
      // The secret never enters the audit log.
      await this.audit.record(caller, caller.tenantId, {
        entityType: 'webhook_endpoint',
        entityId: id,
        action: 'create',
        after: toEndpointDto(endpoint),
      });
      return { ...toEndpointDto(endpoint), secret };
    });
  }

  list(auth: AuthContext): Promise<WebhookEndpointListDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => ({
      items: (await this.webhooks.listEndpoints(caller.tenantId, caller.scopePath)).map(toEndpointDto),
    }));
  }

  get(auth: AuthContext, id: string): Promise<WebhookEndpointDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => toEndpointDto(await this.require(caller, id)));
  }

  /** Stops deliveries to the endpoint; it stays listed with its delivery history. */
  deactivate(auth: AuthContext, id: string): Promise<WebhookEndpointDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      const before = await this.require(caller, id, true);
      if (!before.active) throw new ConflictError('webhook_inactive', 'The endpoint is already deactivated');
      await this.webhooks.deactivateEndpoint(caller.tenantId, id);
      const after = await this.require(caller, id);
      await this.audit.record(caller, caller.tenantId, {
        entityType: 'webhook_endpoint',
        entityId: id,
        action: 'deactivate',
        before: toEndpointDto(before),
        after: toEndpointDto(after),
      });
      return toEndpointDto(after);
    });
  }

  deliveries(auth: AuthContext, id: string, page: PageQueryDto): Promise<WebhookDeliveryPageDto> {
    const caller = requireTenantCaller(auth);
    const limit = page.limit ?? DEFAULT_PAGE_SIZE;
    const position = decodeCursor(page.cursor, 2) as [string, string] | undefined;
    return this.tx.run(dbScopeOf(caller), async () => {
      await this.require(caller, id);
      const rows = await this.webhooks.deliveries(
        caller.tenantId,
        caller.scopePath,
        id,
        limit + 1,
        position ? { createdAt: position[0], id: position[1] } : undefined,
      );
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return {
        items: items.map(toDeliveryDto),
        nextCursor: rows.length > limit ? encodeCursor([new Date(last.createdAt).toISOString(), last.id]) : undefined,
      };
    });
  }

  private async require(caller: TenantAuthContext, id: string, forUpdate = false): Promise<WebhookEndpointRecord> {
    const endpoint = await this.webhooks.findEndpoint(caller.tenantId, caller.scopePath, id, forUpdate);
    if (!endpoint) throw new NotFoundError('Webhook endpoint', id);
    return endpoint;
  }
}
