import { Injectable } from '@nestjs/common';
import { AuthContext, dbScopeOf, PasswordHasher, TenantAuthContext, TenantRole } from '@govmatrix/auth';
import { ConflictError, decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor, NotFoundError, ValidationError } from '@govmatrix/common';
import { TransactionHost } from '@govmatrix/database';
import { requireTenantCaller } from './tenant-caller';
import { UnitsRepository } from './units.repository';
import { CreateUserDto, ListUsersQueryDto, UpdateUserDto, UserDto, UserPageDto } from './users.dto';
import { SessionsRepository } from './sessions.repository';
import { UserRecord, UsersRepository } from './users.repository';

export function toUserDto(user: UserRecord): UserDto {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    role: user.role,
    unitId: user.unitId,
    active: user.active,
    createdAt: new Date(user.createdAt).toISOString(),
    updatedAt: new Date(user.updatedAt).toISOString(),
  };
}

@Injectable()
export class UsersService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly users: UsersRepository,
    private readonly units: UnitsRepository,
    private readonly hasher: PasswordHasher,
    private readonly sessions: SessionsRepository,
  ) {}

  create(auth: AuthContext, dto: CreateUserDto): Promise<UserDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      await this.checkBinding(caller, dto.role, dto.unitId);
      const passwordHash = await this.hasher.hash(dto.password);
      try {
        return toUserDto(await this.users.insert(caller.tenantId, { ...dto, passwordHash }));
      } catch (error) {
        if ((error as { driverError?: { code?: string } }).driverError?.code === '23505') {
          throw new ConflictError('username_taken', `The username ${dto.username} is taken in this tenant`, [
            { pointer: '/username', reason: 'already taken' },
          ]);
        }
        throw error;
      }
    });
  }

  get(auth: AuthContext, id: string): Promise<UserDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => toUserDto(await this.require(caller, id)));
  }

  list(auth: AuthContext, query: ListUsersQueryDto): Promise<UserPageDto> {
    const caller = requireTenantCaller(auth);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const [after] = (decodeCursor(query.cursor, 1, ([username]) => typeof username === 'string') ?? []) as string[];
    return this.tx.run(dbScopeOf(caller), async () => {
      const rows = await this.users.list(caller.tenantId, caller.scopePath, { role: query.role, unitId: query.unitId }, limit + 1, after);
      const items = rows.slice(0, limit);
      return {
        items: items.map(toUserDto),
        nextCursor: rows.length > limit ? encodeCursor([items[items.length - 1].username]) : undefined,
      };
    });
  }

  update(auth: AuthContext, id: string, dto: UpdateUserDto): Promise<UserDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      const user = await this.require(caller, id);
      if (dto.role || dto.unitId) await this.checkBinding(caller, dto.role ?? user.role, dto.unitId ?? user.unitId);
      const passwordHash = dto.password ? await this.hasher.hash(dto.password) : undefined;
      const updated = await this.users.update(caller.tenantId, caller.scopePath, id, {
        displayName: dto.displayName,
        role: dto.role,
        unitId: dto.unitId,
        passwordHash,
      });
      // A new password, role or unit ends the sessions issued under the old ones.
      if (passwordHash || dto.role || dto.unitId) await this.sessions.revokeAll('user', id);
      return toUserDto(updated!);
    });
  }

  /** Deactivates the user and ends all of its sessions at once. */
  deactivate(auth: AuthContext, id: string): Promise<UserDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      await this.require(caller, id);
      if (id === caller.subjectId) throw new ConflictError('self_deactivation', 'You cannot deactivate yourself');
      const updated = await this.users.update(caller.tenantId, caller.scopePath, id, { active: false });
      await this.sessions.revokeAll('user', id);
      return toUserDto(updated!);
    });
  }

  /** A user's unit must be in the caller's scope; an auditor belongs to a supervising office. */
  private async checkBinding(caller: TenantAuthContext, role: TenantRole, unitId: string): Promise<void> {
    const unit = await this.units.findInScope(caller.tenantId, caller.scopePath, unitId);
    if (!unit)
      throw new ValidationError('The unit does not exist in your scope', [{ pointer: '/unitId', reason: 'no such unit in your scope' }]);
    if (!unit.active) throw new ValidationError('The unit is deactivated', [{ pointer: '/unitId', reason: 'the unit is not active' }]);
    if (role === 'auditor' && !unit.supervisor) {
      throw new ValidationError('Auditors belong to a supervising office (a unit flagged supervisor)', [
        { pointer: '/unitId', reason: 'an auditor must belong to a supervising office' },
      ]);
    }
  }

  private async require(caller: TenantAuthContext, id: string): Promise<UserRecord> {
    const user = await this.users.findInScope(caller.tenantId, caller.scopePath, id);
    if (!user) throw new NotFoundError('User', id);
    return user;
  }
}
