import { Body, Controller, Delete, Get, HttpCode, Param, ParseEnumPipe, Patch, Post, Put, Query } from '@nestjs/common';
import { ApiParam, ApiTags } from '@nestjs/swagger';
import { AuditEntryPageDto } from '@govmatrix/audit';
import { Auth, AuthContext, Permission, RequirePermission } from '@govmatrix/auth';
import { PageQueryDto, UuidParam } from '@govmatrix/common';
import { REQUIRED_ROLES, SingleHolderRole } from './account-platforms';
import {
  AccountDto,
  ApproveSecondAccountDto,
  ChainDto,
  CloseAccountDto,
  CreateAccountDto,
  PeopleAtQueryDto,
  PeopleHistoryDto,
  PersonInputDto,
  TransitionDto,
  UpdateAccountDto,
} from './accounts.dto';
import { AccountHistoryService } from './account-history.service';
import { AccountsService } from './accounts.service';

@ApiTags('accounts')
@Controller('v1/accounts')
export class AccountsController {
  constructor(
    private readonly service: AccountsService,
    private readonly history: AccountHistoryService,
  ) {}

  /** Register an account opened by a unit; its opening filing is due 10 working days after `openedOn` (R1). */
  @RequirePermission(Permission.AccountsWrite)
  @Post()
  create(@Auth() auth: AuthContext, @Body() dto: CreateAccountDto): Promise<AccountDto> {
    return this.service.create(auth, dto);
  }

  @RequirePermission(Permission.AccountsRead)
  @Get(':id')
  get(@Auth() auth: AuthContext, @UuidParam() id: string): Promise<AccountDto> {
    return this.service.get(auth, id);
  }

  @RequirePermission(Permission.AccountsWrite)
  @Patch(':id')
  update(@Auth() auth: AuthContext, @UuidParam() id: string, @Body() dto: UpdateAccountDto): Promise<AccountDto> {
    return this.service.update(auth, id, dto);
  }

  /** Name the holder of a role of the responsibility chain; the previous holder's period ends now. */
  @RequirePermission(Permission.AccountsWrite)
  @Put(':id/people/:role')
  @ApiParam({ name: 'role', enum: REQUIRED_ROLES })
  setHolder(
    @Auth() auth: AuthContext,
    @UuidParam() id: string,
    @Param('role', new ParseEnumPipe(REQUIRED_ROLES)) role: SingleHolderRole,
    @Body() dto: PersonInputDto,
  ): Promise<ChainDto> {
    return this.service.setHolder(auth, id, role, dto);
  }

  @RequirePermission(Permission.AccountsWrite)
  @Post(':id/operators')
  addOperator(@Auth() auth: AuthContext, @UuidParam() id: string, @Body() dto: PersonInputDto): Promise<ChainDto> {
    return this.service.addOperator(auth, id, dto);
  }

  @RequirePermission(Permission.AccountsWrite)
  @Delete(':id/operators/:personId')
  removeOperator(@Auth() auth: AuthContext, @UuidParam() id: string, @UuidParam('personId') personId: string): Promise<ChainDto> {
    return this.service.removeOperator(auth, id, personId);
  }

  /** The responsibility chain as it stood at a moment (now by default). */
  @RequirePermission(Permission.AccountsRead)
  @Get(':id/people')
  peopleAt(@Auth() auth: AuthContext, @UuidParam() id: string, @Query() query: PeopleAtQueryDto): Promise<ChainDto> {
    return this.service.peopleAt(auth, id, query.at);
  }

  /** Every holder of every role, with their periods. */
  @RequirePermission(Permission.AccountsRead)
  @Get(':id/people/history')
  peopleHistory(@Auth() auth: AuthContext, @UuidParam() id: string): Promise<PeopleHistoryDto> {
    return this.service.peopleHistory(auth, id);
  }

  /** Announced and deregistered: the account is closing; its closure filing is due in 5 working days (R2). */
  @RequirePermission(Permission.AccountsWrite)
  @Post(':id/close')
  @HttpCode(200)
  close(@Auth() auth: AuthContext, @UuidParam() id: string, @Body() dto: CloseAccountDto): Promise<AccountDto> {
    return this.service.close(auth, id, dto);
  }

  /** The supervising office orders rectification, accepts it, or orders closure. */
  @RequirePermission(Permission.AccountsApprove)
  @Post(':id/transition')
  @HttpCode(200)
  transition(@Auth() auth: AuthContext, @UuidParam() id: string, @Body() dto: TransitionDto): Promise<AccountDto> {
    return this.service.transition(auth, id, dto);
  }

  /** R4: approve a second live account of a unit on one platform. */
  @RequirePermission(Permission.AccountsApprove)
  @Post(':id/approve-second-account')
  @HttpCode(200)
  approveSecondAccount(@Auth() auth: AuthContext, @UuidParam() id: string, @Body() dto: ApproveSecondAccountDto): Promise<AccountDto> {
    return this.service.approveSecondAccount(auth, id, dto);
  }

  /** The account's full history from the audit log: its changes, its people, its filings. */
  @RequirePermission(Permission.AuditRead)
  @Get(':id/history')
  accountHistory(@Auth() auth: AuthContext, @UuidParam() id: string, @Query() query: PageQueryDto): Promise<AuditEntryPageDto> {
    return this.history.history(auth, id, query);
  }
}
