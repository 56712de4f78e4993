import { Body, Controller, Get, Injectable, Put } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AuditService } from '@govmatrix/audit';
import { Auth, AuthContext, dbScopeOf, Permission, RequirePermission } from '@govmatrix/auth';
import { TransactionHost } from '@govmatrix/database';
import { requireTenantCaller } from '@govmatrix/tenancy';
import { LedgerSettings, LedgerSettingsRepository } from './ledger-settings';
import { LedgerSettingsDto, UpdateLedgerSettingsDto } from './ledger-settings.dto';

@Injectable()
export class LedgerSettingsService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly settings: LedgerSettingsRepository,
    private readonly audit: AuditService,
  ) {}

  get(auth: AuthContext): Promise<LedgerSettingsDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), () => this.settings.get(caller.tenantId));
  }

  update(auth: AuthContext, dto: UpdateLedgerSettingsDto): Promise<LedgerSettingsDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), async () => {
      const before = await this.settings.get(caller.tenantId);
      // Only the fields given change: the DTO instance carries the others as own `undefined` properties.
      const after: LedgerSettings = {
        openingFilingDays: dto.openingFilingDays ?? before.openingFilingDays,
        closureFilingDays: dto.closureFilingDays ?? before.closureFilingDays,
        naming: dto.naming ? { mode: dto.naming.mode, extraKeywords: dto.naming.extraKeywords } : before.naming,
      };
      await this.settings.put(caller.tenantId, after);
      await this.audit.record(caller, caller.tenantId, {
        entityType: 'tenant_settings',
        entityId: caller.tenantId,
        action: 'update_ledger',
        before,
        after,
      });
      return after;
    });
  }
}

@ApiTags('settings')
@Controller('v1/settings/ledger')
export class LedgerSettingsController {
  constructor(private readonly service: LedgerSettingsService) {}

  /** Filing deadlines (working days) and the naming rule of your tenant. */
  @RequirePermission(Permission.SettingsRead)
  @Get()
  get(@Auth() auth: AuthContext): Promise<LedgerSettingsDto> {
    return this.service.get(auth);
  }

  @RequirePermission(Permission.SettingsWrite)
  @Put()
  update(@Auth() auth: AuthContext, @Body() dto: UpdateLedgerSettingsDto): Promise<LedgerSettingsDto> {
    return this.service.update(auth, dto);
  }
}
