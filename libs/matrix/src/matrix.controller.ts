import { Controller, Get, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Auth, AuthContext, Permission, RequirePermission } from '@govmatrix/auth';
import {
  CoverageDto,
  InteractionDto,
  InteractionMatrixDto,
  InteractionMatrixQueryDto,
  InteractionQueryDto,
  PeriodQueryDto,
  SubtreeQueryDto,
  TrendDto,
  UnitCoveragePageDto,
  UnitCoverageQueryDto,
} from './matrix.dto';
import { MatrixService } from './matrix.service';

/** The matrix as its leads see it (集群): coverage, upper–lower interaction, trends. Read-only. */
@ApiTags('matrix')
@Controller('v1/matrix')
export class MatrixController {
  constructor(private readonly service: MatrixService) {}

  /**
   * Coverage of a subtree: the share of its units with a live account, overall and per platform,
   * and 两微一端 (Weibo + WeChat + app), by level, by sector and by sector system.
   */
  @RequirePermission(Permission.MatrixRead)
  @Get('coverage')
  coverage(@Auth() auth: AuthContext, @Query() query: SubtreeQueryDto): Promise<CoverageDto> {
    return this.service.coverage(auth, query);
  }

  /** Units of a subtree (its root and `depth` levels below) with the coverage of each one's own subtree. */
  @RequirePermission(Permission.MatrixRead)
  @Get('coverage/units')
  unitCoverage(@Auth() auth: AuthContext, @Query() query: UnitCoverageQueryDto): Promise<UnitCoveragePageDto> {
    return this.service.unitCoverage(auth, query);
  }

  /**
   * Upper interaction (reposts and comments on superiors' accounts) and lower linkage (received from
   * subordinates' accounts) of a subtree's units over a period: the top units and the sums.
   */
  @RequirePermission(Permission.MatrixRead)
  @Get('interaction')
  interaction(@Auth() auth: AuthContext, @Query() query: InteractionQueryDto): Promise<InteractionDto> {
    return this.service.interaction(auth, query);
  }

  /** Unit-to-unit interactions among the busiest units of a subtree: the data of a heat map. */
  @RequirePermission(Permission.MatrixRead)
  @Get('interaction/matrix')
  interactionMatrix(@Auth() auth: AuthContext, @Query() query: InteractionMatrixQueryDto): Promise<InteractionMatrixDto> {
    return this.service.interactionMatrix(auth, query);
  }

  /** Month by month: posts, engagement, interactions and active accounts of a subtree. */
  @RequirePermission(Permission.MatrixRead)
  @Get('trends')
  trends(@Auth() auth: AuthContext, @Query() query: PeriodQueryDto): Promise<TrendDto> {
    return this.service.trends(auth, query);
  }
}
