import { Body, Controller, Get, Injectable, Put } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AuditService } from '@govmatrix/audit';
import { Auth, AuthContext, dbScopeOf, Permission, RequirePermission } from '@govmatrix/auth';
import { FieldError, ValidationError } from '@govmatrix/common';
import { TransactionHost } from '@govmatrix/database';
import { requireTenantCaller } from '@govmatrix/tenancy';
import { firstNonClimbingRung, Measure, MEASURES } from './case-rules';
import { SanctionsSettings, SanctionsSettingsRepository } from './sanctions-settings';
import { SanctionsSettingsDto, UpdateSanctionsSettingsDto } from './sanctions-settings.dto';

@Injectable()
export class SanctionsSettingsService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly settings: SanctionsSettingsRepository,
    private readonly audit: AuditService,
  ) {}

  get(auth: AuthContext): Promise<SanctionsSettingsDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), () => this.settings.get(caller.tenantId));
  }

  update(auth: AuthContext, dto: UpdateSanctionsSettingsDto): Promise<SanctionsSettingsDto> {
    const caller = requireTenantCaller(auth);
    const days = dto.deadlineDays ?? {};
    const errors: FieldError[] = Object.entries(days).flatMap(([measure, value]) => [
      ...((MEASURES as readonly string[]).includes(measure) ? [] : [{ pointer: `/deadlineDays/${measure}`, reason: 'is not a measure' }]),
      ...(Number.isInteger(value) && value >= 1 && value <= 60
        ? []
        : [{ pointer: `/deadlineDays/${measure}`, reason: 'must be an integer 1–60 (working days)' }]),
    ]);
    const rung = dto.ladder ? firstNonClimbingRung(dto.ladder) : undefined;
    if (rung !== undefined) {
      errors.push({
        pointer: `/ladder/${rung}`,
        reason: `must be more severe than ${dto.ladder![rung - 1]} (order: ${MEASURES.join(' < ')})`,
      });
    }
    if (errors.length > 0) throw new ValidationError('The sanction settings are invalid', errors);
    return this.tx.run(dbScopeOf(caller), async () => {
      const before = await this.settings.get(caller.tenantId);
      const after: SanctionsSettings = {
        deadlineDays: { ...before.deadlineDays, ...(days as Partial<Record<Measure, number>>) },
        ladder: dto.ladder ? [...dto.ladder] : before.ladder,
      };
      await this.settings.put(caller.tenantId, after);
      await this.audit.record(caller, caller.tenantId, {
        entityType: 'tenant_settings',
        entityId: caller.tenantId,
        action: 'update_sanctions',
        before,
        after,
      });
      return after;
    });
  }
}

@ApiTags('settings')
@Controller('v1/settings/sanctions')
export class SanctionsSettingsController {
  constructor(private readonly service: SanctionsSettingsService) {}

  /** Rectification deadlines per measure (working days) and the escalation ladder of your tenant. */
  @RequirePermission(Permission.SettingsRead)
  @Get()
  get(@Auth() auth: AuthContext): Promise<SanctionsSettingsDto> {
    return this.service.get(auth);
  }

  @RequirePermission(Permission.SettingsWrite)
  @Put()
  update(@Auth() auth: AuthContext, @Body() dto: UpdateSanctionsSettingsDto): Promise<SanctionsSettingsDto> {
    return this.service.update(auth, dto);
  }
}
