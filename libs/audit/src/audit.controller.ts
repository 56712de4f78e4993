import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Auth, AuthContext, dbScopeOf, Permission, RequirePermission } from '@govmatrix/auth';
import { ForbiddenError } from '@govmatrix/common';
import { TransactionHost } from '@govmatrix/database';
import { ChainVerificationDto } from './audit.dto';
import { AuditService } from './audit.service';

@ApiTags('audit')
@Controller('v1/audit')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly tx: TransactionHost,
  ) {}

  /** Recompute the tenant's hash chain and report the first entry that does not hold. */
  @RequirePermission(Permission.AuditVerify)
  @Get('verify')
  verify(@Auth() auth: AuthContext): Promise<ChainVerificationDto> {
    if (!auth.tenantId) throw new ForbiddenError('Only tenant callers have an audit log');
    const tenantId = auth.tenantId;
    return this.tx.run(dbScopeOf(auth), () => this.audit.verify(tenantId));
  }
}
