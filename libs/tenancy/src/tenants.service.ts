import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AuthContext, dbScopeOf, PasswordHasher } from '@govmatrix/auth';
import { ConflictError, ForbiddenError, NotFoundError } from '@govmatrix/common';
import { tenantScope, TransactionHost } from '@govmatrix/database';
import { CreatedTenantDto, CreateTenantDto, TenantDto, TenantListDto } from './tenants.dto';
import { TenantRecord, TenantsRepository } from './tenants.repository';
import { UnitsRepository } from './units.repository';
import { UsersRepository } from './users.repository';

const toTenantDto = (t: TenantRecord): TenantDto => ({
  id: t.id,
  slug: t.slug,
  name: t.name,
  active: t.active,
  createdAt: new Date(t.createdAt).toISOString(),
});

/** The SaaS operator's side: tenants exist, their data stays out of sight. */
@Injectable()
export class TenantsService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly tenants: TenantsRepository,
    private readonly units: UnitsRepository,
    private readonly users: UsersRepository,
    private readonly hasher: PasswordHasher,
  ) {}

  /** Creates the tenant, its root unit and its first tenant admin in one transaction. */
  async create(auth: AuthContext, dto: CreateTenantDto): Promise<CreatedTenantDto> {
    this.requireOperator(auth);
    const passwordHash = await this.hasher.hash(dto.admin.password);
    return this.tx.run(dbScopeOf(auth), async () => {
      if (await this.tenants.slugTaken(dto.slug)) {
        throw new ConflictError('slug_taken', `A tenant with slug ${dto.slug} exists`, [{ pointer: '/slug', reason: 'already taken' }]);
      }
      const tenantId = randomUUID();
      await this.tenants.insert(tenantId, dto.slug, dto.name);
      const [label] = await this.units.nextLabels(1);
      // From here on the transaction acts inside the new tenant, as row-level security demands.
      return this.tx.run(tenantScope(tenantId, label), async () => {
        const root = await this.units.insert(tenantId, {
          parentId: null,
          path: label,
          code: dto.root.code ?? dto.root.divisionCode,
          name: dto.root.name,
          shortName: dto.root.shortName ?? null,
          level: dto.root.level,
          divisionCode: dto.root.divisionCode,
          sector: 'government',
          sectorParentId: null,
          supervisor: false,
        });
        const admin = await this.users.insert(tenantId, {
          username: dto.admin.username,
          displayName: dto.admin.displayName,
          passwordHash,
          role: 'tenant_admin',
          unitId: root.id,
        });
        const tenant = await this.tenants.find(tenantId);
        return { ...toTenantDto(tenant!), rootUnitId: root.id, adminUserId: admin.id };
      });
    });
  }

  list(auth: AuthContext): Promise<TenantListDto> {
    this.requireOperator(auth);
    return this.tx.run(dbScopeOf(auth), async () => ({ items: (await this.tenants.list()).map(toTenantDto) }));
  }

  get(auth: AuthContext, id: string): Promise<TenantDto> {
    this.requireOperator(auth);
    return this.tx.run(dbScopeOf(auth), async () => {
      const tenant = await this.tenants.find(id);
      if (!tenant) throw new NotFoundError('Tenant', id);
      return toTenantDto(tenant);
    });
  }

  private requireOperator(auth: AuthContext): void {
    if (auth.kind !== 'operator') throw new ForbiddenError('Only the SaaS operator manages tenants');
  }
}
