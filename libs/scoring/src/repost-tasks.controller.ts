import { Body, Controller, Get, HttpCode, Injectable, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AuditService } from '@govmatrix/audit';
import { Auth, AuthContext, dbScopeOf, Permission, RequirePermission, TenantAuthContext } from '@govmatrix/auth';
import { chinaToday } from '@govmatrix/calendar';
import {
  ConflictError,
  decodeCursor,
  DEFAULT_PAGE_SIZE,
  encodeCursor,
  ForbiddenError,
  NotFoundError,
  UuidParam,
  ValidationError,
} from '@govmatrix/common';
import { TransactionHost } from '@govmatrix/database';
import { requireTenantCaller } from '@govmatrix/tenancy';
import {
  CancelRepostTaskDto,
  CreateRepostTaskDto,
  ListRepostCompletionQueryDto,
  ListRepostTasksQueryDto,
  RepostCompletionPageDto,
  RepostTaskDto,
  RepostTaskPageDto,
} from './repost-tasks.dto';
import { RepostTaskRecord, RepostTasksRepository } from './repost-tasks.repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function toRepostTaskDto(t: RepostTaskRecord, today: string): RepostTaskDto {
  return {
    id: t.id,
    unitId: t.unitId,
    unitName: t.unitName,
    accountId: t.accountId,
    accountName: t.accountName,
    postId: t.postId,
    title: t.title,
    issuedOn: t.issuedOn,
    deadline: t.deadline,
    status: t.cancelledAt ? 'cancelled' : t.deadline >= today ? 'open' : 'due',
    assigned: t.assigned,
    completed: t.completed,
    completionRate: t.assigned > 0 ? t.completed / t.assigned : null,
    createdAt: new Date(t.createdAt).toISOString(),
    cancelledAt: t.cancelledAt ? new Date(t.cancelledAt).toISOString() : null,
    cancelReason: t.cancelReason,
  };
}

/** A path is within a subtree when it is the subtree's root or below it. */
const within = (path: string, subtree: string): boolean => path === subtree || path.startsWith(`${subtree}.`);

/**
 * Repost tasks (转发任务): a superior designates a post and a deadline for a subtree; every account of
 * the subtree must repost it. Completion is read from the reported interactions (kind repost, the
 * post's account and id, by the deadline) and feeds the cluster index.
 */
@Injectable()
export class RepostTasksService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly tasks: RepostTasksRepository,
    private readonly audit: AuditService,
  ) {}

  create(auth: AuthContext, dto: CreateRepostTaskDto): Promise<RepostTaskDto> {
    const caller = requireTenantCaller(auth);
    const today = chinaToday();
    if (dto.deadline < today)
      throw new ValidationError('The deadline has passed', [{ pointer: '/deadline', reason: 'must not be before today' }]);
    return this.tx.run(dbScopeOf(caller), async () => {
      const unit = await this.tasks.unitInScope(caller.tenantId, caller.scopePath, dto.unitId);
      if (!unit)
        throw new ValidationError('The unit does not exist in your scope', [{ pointer: '/unitId', reason: 'no such unit in your scope' }]);
      const account = await this.tasks.designatedAccount(caller.tenantId, caller.scopePath, dto.accountId);
      if (!account.exists)
        throw new ValidationError('The account does not exist in your tenant', [{ pointer: '/accountId', reason: 'no such account' }]);
      const id = await this.tasks.insert(caller.tenantId, {
        unitId: unit.id,
        accountId: dto.accountId,
        accountName: account.name,
        postId: dto.postId,
        title: dto.title ?? null,
        deadline: dto.deadline,
        createdByKind: caller.kind,
        createdBy: caller.subjectId,
      });
      await this.audit.record(caller, caller.tenantId, { entityType: 'repost_task', entityId: id, action: 'create', after: { ...dto } });
      return toRepostTaskDto((await this.tasks.get(caller.tenantId, caller.scopePath, id))!, today);
    });
  }

  list(auth: AuthContext, query: ListRepostTasksQueryDto): Promise<RepostTaskPageDto> {
    const caller = requireTenantCaller(auth);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const position = decodeCursor(
      query.cursor,
      2,
      ([at, id]) => typeof at === 'string' && !Number.isNaN(Date.parse(at)) && UUID.test(String(id)),
    );
    const today = chinaToday();
    return this.tx.run(dbScopeOf(caller), async () => {
      const rows = await this.tasks.list(
        caller.tenantId,
        caller.scopePath,
        query.status,
        limit + 1,
        position ? { createdAt: position[0] as string, id: position[1] as string } : undefined,
      );
      const items = rows.slice(0, limit);
      const last = items[items.length - 1];
      return {
        items: items.map((t) => toRepostTaskDto(t, today)),
        nextCursor: rows.length > limit ? encodeCursor([new Date(last.createdAt).toISOString(), last.id]) : undefined,
      };
    });
  }

  get(auth: AuthContext, id: string): Promise<RepostTaskDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => toRepostTaskDto(await this.require(caller, id), chinaToday()));
  }

  /** Per assigned account of your subtree: did it repost the post by the deadline, and when. */
  completion(auth: AuthContext, id: string, query: ListRepostCompletionQueryDto): Promise<RepostCompletionPageDto> {
    const caller = requireTenantCaller(auth);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const position = decodeCursor(query.cursor, 1, ([accountId]) => UUID.test(String(accountId)));
    return this.tx.run(dbScopeOf(caller), async () => {
      const task = await this.require(caller, id);
      const rows = await this.tasks.completion(
        caller.tenantId,
        caller.scopePath,
        task.id,
        query.completed,
        limit + 1,
        position?.[0] as string,
      );
      const items = rows.slice(0, limit);
      return {
        items: items.map((r) => ({ ...r, completed: r.completedOn !== null })),
        nextCursor: rows.length > limit ? encodeCursor([items[items.length - 1].accountId]) : undefined,
      };
    });
  }

  /** Withdraws a task: it no longer counts in scores. Only its issuer's scope (or above) may. */
  cancel(auth: AuthContext, id: string, dto: CancelRepostTaskDto): Promise<RepostTaskDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      const task = await this.require(caller, id);
      if (!within(task.scopePath, caller.scopePath))
        throw new ForbiddenError('Only the scope the task was issued for, or above it, may cancel it');
      if (task.cancelledAt) throw new ConflictError('task_cancelled', 'The task is already cancelled');
      await this.tasks.cancel(caller.tenantId, task.id, caller.subjectId, dto.reason);
      await this.audit.record(caller, caller.tenantId, {
        entityType: 'repost_task',
        entityId: task.id,
        action: 'cancel',
        after: { reason: dto.reason },
      });
      return toRepostTaskDto((await this.tasks.get(caller.tenantId, caller.scopePath, task.id))!, chinaToday());
    });
  }

  private async require(caller: TenantAuthContext, id: string): Promise<RepostTaskRecord> {
    const task = await this.tasks.get(caller.tenantId, caller.scopePath, id);
    if (!task) throw new NotFoundError('Repost task', id);
    return task;
  }
}

@ApiTags('scoring')
@Controller('v1/repost-tasks')
export class RepostTasksController {
  constructor(private readonly service: RepostTasksService) {}

  /** Designate a post every account of a subtree must repost by a deadline (转发任务). */
  @RequirePermission(Permission.RepostTasksWrite)
  @Post()
  create(@Auth() auth: AuthContext, @Body() dto: CreateRepostTaskDto): Promise<RepostTaskDto> {
    return this.service.create(auth, dto);
  }

  /** Tasks for your subtree or issued within it, newest first, with completion over the accounts you can see. */
  @RequirePermission(Permission.RepostTasksRead)
  @Get()
  list(@Auth() auth: AuthContext, @Query() query: ListRepostTasksQueryDto): Promise<RepostTaskPageDto> {
    return this.service.list(auth, query);
  }

  @RequirePermission(Permission.RepostTasksRead)
  @Get(':id')
  get(@Auth() auth: AuthContext, @UuidParam() id: string): Promise<RepostTaskDto> {
    return this.service.get(auth, id);
  }

  /** Which accounts reposted the post by the deadline, and when. */
  @RequirePermission(Permission.RepostTasksRead)
  @Get(':id/completion')
  completion(
    @Auth() auth: AuthContext,
    @UuidParam() id: string,
    @Query() query: ListRepostCompletionQueryDto,
  ): Promise<RepostCompletionPageDto> {
    return this.service.completion(auth, id, query);
  }

  @RequirePermission(Permission.RepostTasksWrite)
  @Post(':id/cancel')
  @HttpCode(200)
  cancel(@Auth() auth: AuthContext, @UuidParam() id: string, @Body() dto: CancelRepostTaskDto): Promise<RepostTaskDto> {
    return this.service.cancel(auth, id, dto);
  }
}
