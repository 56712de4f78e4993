import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Auth, AuthContext, Permission, RequirePermission } from '@govmatrix/auth';
import { PageQueryDto, UuidParam } from '@govmatrix/common';
import {
  CreatedWebhookEndpointDto,
  CreateWebhookEndpointDto,
  WebhookDeliveryPageDto,
  WebhookEndpointDto,
  WebhookEndpointListDto,
} from './webhooks.dto';
import { WebhooksService } from './webhooks.service';

@ApiTags('webhooks')
@Controller('v1/webhooks')
export class WebhooksController {
  constructor(private readonly service: WebhooksService) {}

  /**
   * Register an endpoint for the notices of a subtree (your whole scope by default). Each notice is
   * POSTed as JSON, signed (`X-GovMatrix-Signature`), and retried with exponential backoff until a 2xx.
   */
  @RequirePermission(Permission.WebhooksManage)
  @Post()
  create(@Auth() auth: AuthContext, @Body() dto: CreateWebhookEndpointDto): Promise<CreatedWebhookEndpointDto> {
    return this.service.create(auth, dto);
  }

  @RequirePermission(Permission.WebhooksManage)
  @Get()
  list(@Auth() auth: AuthContext): Promise<WebhookEndpointListDto> {
    return this.service.list(auth);
  }

  @RequirePermission(Permission.WebhooksManage)
  @Get(':id')
  get(@Auth() auth: AuthContext, @UuidParam() id: string): Promise<WebhookEndpointDto> {
    return this.service.get(auth, id);
  }

  /** Stop deliveries to the endpoint (kept with its delivery history). */
  @RequirePermission(Permission.WebhooksManage)
  @Post(':id/deactivate')
  @HttpCode(200)
  deactivate(@Auth() auth: AuthContext, @UuidParam() id: string): Promise<WebhookEndpointDto> {
    return this.service.deactivate(auth, id);
  }

  /** Deliveries to the endpoint, newest first: attempts, last HTTP status, next attempt. */
  @RequirePermission(Permission.WebhooksManage)
  @Get(':id/deliveries')
  deliveries(@Auth() auth: AuthContext, @UuidParam() id: string, @Query() query: PageQueryDto): Promise<WebhookDeliveryPageDto> {
    return this.service.deliveries(auth, id, query);
  }
}
