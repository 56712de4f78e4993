import { Body, Controller, Get, Injectable, Put } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AuditService } from '@govmatrix/audit';
import { Auth, AuthContext, dbScopeOf, Permission, RequirePermission } from '@govmatrix/auth';
import { ValidationError } from '@govmatrix/common';
import { TransactionHost } from '@govmatrix/database';
import { PLATFORMS } from '@govmatrix/ledger';
import { requireTenantCaller } from '@govmatrix/tenancy';
import { InspectionSettings, InspectionSettingsRepository } from './inspection-settings';
import { InspectionSettingsDto, UpdateInspectionSettingsDto } from './inspection-settings.dto';

@Injectable()
export class InspectionSettingsService {
  constructor(
    private readonly tx: TransactionHost,
    private readonly settings: InspectionSettingsRepository,
    private readonly audit: AuditService,
  ) {}

  get(auth: AuthContext): Promise<InspectionSettingsDto> {
    const caller = requireTenantCaller(auth);
    return this.tx.run(dbScopeOf(caller), () => this.settings.get(caller.tenantId));
  }

  update(auth: AuthContext, dto: UpdateInspectionSettingsDto): Promise<InspectionSettingsDto> {
    const caller = requireTenantCaller(auth);
    const allowance = dto.monthlyPostAllowance ?? {};
    const errors = Object.entries(allowance).flatMap(([platform, posts]) => [
      ...((PLATFORMS as readonly string[]).includes(platform)
        ? []
        : [{ pointer: `/monthlyPostAllowance/${platform}`, reason: 'is not a platform' }]),
      ...(Number.isInteger(posts) && posts >= 0 && posts <= 1000
        ? []
        : [{ pointer: `/monthlyPostAllowance/${platform}`, reason: 'must be an integer 0–1000' }]),
    ]);
    if (errors.length > 0) throw new ValidationError('The post allowances are invalid', errors);
    return this.tx.run(dbScopeOf(caller), async () => {
      const before = await this.settings.get(caller.tenantId);
      // Only the fields given change: the DTO instance carries the others as own `undefined` properties,
      // which a spread would copy over the stored values (and JSON then drops).
      const after: InspectionSettings = {
        inactiveDays: dto.inactiveDays ?? before.inactiveDays,
        monthlyPostAllowance: { ...before.monthlyPostAllowance, ...allowance },
        unansweredMessageDays: dto.unansweredMessageDays ?? before.unansweredMessageDays,
        noInteractionDays: dto.noInteractionDays ?? before.noInteractionDays,
        spotCheckShare: dto.spotCheckShare ?? before.spotCheckShare,
      };
      await this.settings.put(caller.tenantId, after);
      await this.audit.record(caller, caller.tenantId, {
        entityType: 'tenant_settings',
        entityId: caller.tenantId,
        action: 'update_inspection',
        before,
        after,
      });
      return after;
    });
  }
}

@ApiTags('settings')
@Controller('v1/settings/inspection')
export class InspectionSettingsController {
  constructor(private readonly service: InspectionSettingsService) {}

  /** Inactivity window, monthly post allowances by platform, message answer limit, spot-check share. */
  @RequirePermission(Permission.SettingsRead)
  @Get()
  get(@Auth() auth: AuthContext): Promise<InspectionSettingsDto> {
    return this.service.get(auth);
  }

  @RequirePermission(Permission.SettingsWrite)
  @Put()
  update(@Auth() auth: AuthContext, @Body() dto: UpdateInspectionSettingsDto): Promise<InspectionSettingsDto> {
    return this.service.update(auth, dto);
  }
}
