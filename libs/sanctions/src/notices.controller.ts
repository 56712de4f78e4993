import { Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Auth, AuthContext, Permission, RequirePermission } from '@govmatrix/auth';
import { UuidParam } from '@govmatrix/common';
import { ListNoticesQueryDto, NoticeDto, NoticePageDto } from './notices.dto';
import { NoticesService } from './notices.service';

@ApiTags('notices')
@Controller('v1/notices')
export class NoticesController {
  constructor(private readonly service: NoticesService) {}

  /** Notices of case steps about accounts in your scope, newest first (`unread=true`: the inbox). */
  @RequirePermission(Permission.NoticesRead)
  @Get()
  list(@Auth() auth: AuthContext, @Query() query: ListNoticesQueryDto): Promise<NoticePageDto> {
    return this.service.list(auth, query);
  }

  /** Mark a notice read (acknowledges receipt; the first reading is kept). */
  @RequirePermission(Permission.NoticesRead)
  @Post(':id/read')
  @HttpCode(200)
  markRead(@Auth() auth: AuthContext, @UuidParam() id: string): Promise<NoticeDto> {
    return this.service.markRead(auth, id);
  }
}
