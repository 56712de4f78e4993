import { Body, Controller, Get, Headers, HttpCode, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import { Auth, AuthContext, Permission, RequirePermission } from '@govmatrix/auth';
import { BadRequestError, UuidParam } from '@govmatrix/common';
import { plainToInstance } from 'class-transformer';
import {
  CreateUnitDto,
  DeactivateUnitDto,
  ImportResultDto,
  ImportUnitsDto,
  ImportUnitsQueryDto,
  ListUnitsQueryDto,
  MoveUnitDto,
  UnitDto,
  UnitPageDto,
  UpdateUnitDto,
} from './units.dto';
import { UnitsService } from './units.service';
import { validateBody } from './validate-body';

@ApiTags('units')
@Controller('v1/units')
export class UnitsController {
  constructor(private readonly service: UnitsService) {}

  /** Units of a subtree (default: your scope) in tree order, with filters. */
  @RequirePermission(Permission.UnitsRead)
  @Get()
  list(@Auth() auth: AuthContext, @Query() query: ListUnitsQueryDto): Promise<UnitPageDto> {
    return this.service.list(auth, query);
  }

  @RequirePermission(Permission.UnitsRead)
  @Get(':id')
  get(@Auth() auth: AuthContext, @UuidParam() id: string): Promise<UnitDto> {
    return this.service.get(auth, id);
  }

  @RequirePermission(Permission.UnitsWrite)
  @Post()
  create(@Auth() auth: AuthContext, @Body() dto: CreateUnitDto): Promise<UnitDto> {
    return this.service.create(auth, dto);
  }

  /** Rename or re-attribute a unit. */
  @RequirePermission(Permission.UnitsWrite)
  @Patch(':id')
  update(@Auth() auth: AuthContext, @UuidParam() id: string, @Body() dto: UpdateUnitDto): Promise<UnitDto> {
    return this.service.update(auth, id, dto);
  }

  /** Move a unit, with its whole subtree, under another parent. */
  @RequirePermission(Permission.UnitsWrite)
  @Post(':id/move')
  @HttpCode(200)
  move(@Auth() auth: AuthContext, @UuidParam() id: string, @Body() dto: MoveUnitDto): Promise<UnitDto> {
    return this.service.move(auth, id, dto);
  }

  @RequirePermission(Permission.UnitsWrite)
  @Post(':id/deactivate')
  @HttpCode(200)
  deactivate(@Auth() auth: AuthContext, @UuidParam() id: string, @Body() dto: DeactivateUnitDto): Promise<UnitDto> {
    return this.service.deactivate(auth, id, dto);
  }

  @RequirePermission(Permission.UnitsWrite)
  @Post(':id/activate')
  @HttpCode(200)
  activate(@Auth() auth: AuthContext, @UuidParam() id: string): Promise<UnitDto> {
    return this.service.activate(auth, id);
  }

  /**
   * Import a whole tree, all or nothing: JSON (`{ parentId?, units: [...] }`) or CSV (`text/csv`
   * with a header row: code, parent_code, name, short_name, level, division_code, sector,
   * sector_parent_code, supervisor — or the Chinese headers). Every bad row is reported.
   */
  @RequirePermission(Permission.UnitsWrite)
  @Post('import')
  @ApiConsumes('application/json', 'text/csv')
  @ApiBody({ type: ImportUnitsDto })
  importUnits(
    @Auth() auth: AuthContext,
    @Headers('content-type') contentType: string | undefined,
    @Query() query: ImportUnitsQueryDto,
    @Req() req: Request,
  ): Promise<ImportResultDto> {
    if (contentType?.startsWith('text/csv')) {
      if (typeof req.body !== 'string') throw new BadRequestError('Send the CSV as the request body');
      return this.service.importCsv(auth, req.body, query.parentId);
    }
    const dto = validateBody(plainToInstance(ImportUnitsDto, req.body));
    return this.service.importJson(auth, dto.units, dto.parentId ?? query.parentId);
  }
}
