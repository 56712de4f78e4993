import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { AuthContext, dbScopeOf, hashOpaqueToken, newOpaqueToken, TenantAuthContext } from '@govmatrix/auth';
import { decodeCursor, DEFAULT_PAGE_SIZE, encodeCursor, NotFoundError, ValidationError } from '@govmatrix/common';
import { TransactionHost } from '@govmatrix/database';
import { ClientDto, ClientPageDto, ClientWithSecretDto, CreateClientDto, ListClientsQueryDto } from './clients.dto';
import { ClientRecord, ClientsRepository } from './clients.repository';
import { requireTenantCaller } from './tenant-caller';
import { UnitsRepository } from './units.repository';
import { SessionsRepository } from './sessions.repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const toClientDto = (c: ClientRecord): ClientDto => ({
  id: c.id,
  clientId: c.clientId,
  name: c.name,
  unitId: c.unitId,
  scopes: c.scopes,
  active: c.active,
  createdAt: new Date(c.createdAt).toISOString(),
});

/** Machine clients of subordinate portals: an id and a secret shown once, bound to a unit subtree. */
@Injectable()
export class ClientsService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly clients: ClientsRepository,
    private readonly units: UnitsRepository,
    private readonly sessions: SessionsRepository,
  ) {}

  create(auth: AuthContext, dto: CreateClientDto): Promise<ClientWithSecretDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      const unit = await this.units.findInScope(caller.tenantId, caller.scopePath, dto.unitId);
      if (!unit || !unit.active) {
        throw new ValidationError('The unit does not exist in your scope', [
          { pointer: '/unitId', reason: 'no such active unit in your scope' },
        ]);
      }
      const clientSecret = newOpaqueToken('gms');
      const created = await this.clients.insert(caller.tenantId, {
        clientId: `gmc_${randomBytes(12).toString('hex')}`,
        name: dto.name,
        unitId: dto.unitId,
        scopes: dto.scopes,
        secretHash: hashOpaqueToken(clientSecret),
      });
      return { ...toClientDto(created), clientSecret };
    });
  }

  get(auth: AuthContext, id: string): Promise<ClientDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => toClientDto(await this.require(caller, id)));
  }

  list(auth: AuthContext, query: ListClientsQueryDto): Promise<ClientPageDto> {
    const caller = requireTenantCaller(auth);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const [after] = (decodeCursor(query.cursor, 1, ([id]) => typeof id === 'string' && UUID.test(id)) ?? []) as string[];
    return this.tx.run(dbScopeOf(caller), async () => {
      const rows = await this.clients.list(caller.tenantId, caller.scopePath, limit + 1, after);
      const items = rows.slice(0, limit);
      return { items: items.map(toClientDto), nextCursor: rows.length > limit ? encodeCursor([items[items.length - 1].id]) : undefined };
    });
  }

  /** A new secret; the old one and every token issued with it stop working. */
  rotateSecret(auth: AuthContext, id: string): Promise<ClientWithSecretDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      const client = await this.require(caller, id);
      const clientSecret = newOpaqueToken('gms');
      await this.clients.setSecret(caller.tenantId, caller.scopePath, id, hashOpaqueToken(clientSecret));
      await this.sessions.revokeAll('client', id);
      return { ...toClientDto(client), clientSecret };
    });
  }

  deactivate(auth: AuthContext, id: string): Promise<ClientDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      await this.require(caller, id);
      const updated = await this.clients.deactivate(caller.tenantId, caller.scopePath, id);
      await this.sessions.revokeAll('client', id);
      return toClientDto(updated!);
    });
  }

  private async require(caller: TenantAuthContext, id: string): Promise<ClientRecord> {
    const client = await this.clients.findInScope(caller.tenantId, caller.scopePath, id);
    if (!client) throw new NotFoundError('Client', id);
    return client;
  }
}
