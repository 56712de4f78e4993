import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Auth, AuthContext, dbScopeOf, Permission, RequirePermission } from '@govmatrix/auth';
import { ForbiddenError } from '@govmatrix/common';
import { TransactionHost } from '@govmatrix/database';
import { AuditAnchorQueryDto, AuditHeadDto, ChainVerificationDto } from './audit.dto';
import { toAuditHeadDto } from './audit.mapper';
import { AuditService } from './audit.service';

@ApiTags('audit')
@Controller('v1/audit')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly tx: TransactionHost,
  ) {}

  /**
   * Recompute the tenant's hash chain and report the first entry that does not hold. With an anchor
   * (a head recorded earlier) it also proves that no entry was cut off the end.
   */
  @RequirePermission(Permission.AuditVerify)
  @Get('verify')
  verify(@Auth() auth: AuthContext, @Query() anchor: AuditAnchorQueryDto): Promise<ChainVerificationDto> {
    const tenantId = this.tenantOf(auth);
    const given = anchor.anchorSeq !== undefined ? { seq: anchor.anchorSeq, hash: Buffer.from(anchor.anchorHash!, 'hex') } : undefined;
    return this.tx.run(dbScopeOf(auth), () => this.audit.verify(tenantId, given));
  }

  /** The chain's last entry: record it outside GovMatrix and pass it to `verify` later as an anchor. */
  @RequirePermission(Permission.AuditVerify)
  @Get('head')
  async head(@Auth() auth: AuthContext): Promise<AuditHeadDto> {
    const tenantId = this.tenantOf(auth);
    return toAuditHeadDto(await this.tx.run(dbScopeOf(auth), () => this.audit.head(tenantId)));
  }

  private tenantOf(auth: AuthContext): string {
    if (!auth.tenantId) throw new ForbiddenError('Only tenant callers have an audit log');
    return auth.tenantId;
  }
}
