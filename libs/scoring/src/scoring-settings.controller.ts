import { Body, Controller, Get, Injectable, Put } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AuditService } from '@govmatrix/audit';
import { Auth, AuthContext, dbScopeOf, Permission, RequirePermission } from '@govmatrix/auth';
import { ValidationError } from '@govmatrix/common';
import { TransactionHost } from '@govmatrix/database';
import { requireTenantCaller } from '@govmatrix/tenancy';
import { ScoringSettingsRepository } from './scoring-settings';
import { ScoringSettingsDto, UpdateScoringSettingsDto } from './scoring.dto';

/** 29 February is refused: the assessment date must exist every year. */
const realMonthDay = (md: string): boolean =>
  !Number.isNaN(Date.parse(`2001-${md}T00:00:00Z`)) && new Date(`2001-${md}T00:00:00Z`).toISOString().slice(5, 10) === md;

@Injectable()
export class ScoringSettingsService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly settings: ScoringSettingsRepository,
    private readonly audit: AuditService,
  ) {}

  get(auth: AuthContext): Promise<ScoringSettingsDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), () => this.settings.get(caller.tenantId));
  }

  update(auth: AuthContext, dto: UpdateScoringSettingsDto): Promise<ScoringSettingsDto> {
    const caller = requireTenantCaller(auth);
    if (dto.assessmentDate !== undefined && !realMonthDay(dto.assessmentDate))
      throw new ValidationError('The assessment date does not exist every year', [
        { pointer: '/assessmentDate', reason: 'must be a month and day every year has (MM-DD)' },
      ]);
    return this.tx.run(dbScopeOf(caller), async () => {
      const before = await this.settings.get(caller.tenantId);
      // Only the fields given change: the DTO instance carries the others as own `undefined` properties,
      // which a spread would copy over the stored values (and JSON then drops).
      const after: ScoringSettingsDto = {
        assessmentDate: dto.assessmentDate ?? before.assessmentDate,
        modelKey: dto.modelKey ?? before.modelKey,
      };
      await this.settings.put(caller.tenantId, after);
      await this.audit.record(caller, caller.tenantId, {
        entityType: 'tenant_settings',
        entityId: caller.tenantId,
        action: 'update_scoring',
        before,
        after,
      });
      return after;
    });
  }
}

@ApiTags('settings')
@Controller('v1/settings/scoring')
export class ScoringSettingsController {
  constructor(private readonly service: ScoringSettingsService) {}

  /** When the yearly assessment runs and with which model. */
  @RequirePermission(Permission.SettingsRead)
  @Get()
  get(@Auth() auth: AuthContext): Promise<ScoringSettingsDto> {
    return this.service.get(auth);
  }

  @RequirePermission(Permission.SettingsWrite)
  @Put()
  update(@Auth() auth: AuthContext, @Body() dto: UpdateScoringSettingsDto): Promise<ScoringSettingsDto> {
    return this.service.update(auth, dto);
  }
}
