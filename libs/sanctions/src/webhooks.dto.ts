import { ApiProperty } from '@nestjs/swagger';
import { IsString, IsUrl, IsUUID, Length } from 'class-validator';
import { Omittable } from '@govmatrix/common';

export class CreateWebhookEndpointDto {
  /** Where notices are POSTed (http or https). */
  @IsUrl({ require_protocol: true, protocols: ['http', 'https'], require_tld: false })
  @Length(8, 2000)
  url: string;

  /** Root of the subtree whose notices go to the endpoint; the root of your scope (the whole tenant) when omitted. */
  @Omittable()
  @IsUUID()
  unitId?: string;

  @Omittable()
  @IsString()
  @Length(1, 200)
  description?: string;
}

export class WebhookEndpointDto {
  id: string;
  unitId: string;
  unitName: string;
  url: string;
  description: string | null;
  active: boolean;
  createdAt: string;
  deactivatedAt: string | null;
}

export class CreatedWebhookEndpointDto extends WebhookEndpointDto {
  /**
   * The signing secret, shown only in this answer. Each delivery carries
   * `X-GovMatrix-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed with this secret>`.
   */
  secret: string;
}

export class WebhookEndpointListDto {
  items: WebhookEndpointDto[];
}

export class WebhookDeliveryDto {
  id: string;
  noticeId: string;
  @ApiProperty({ enum: ['pending', 'delivered', 'failed'] })
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  /** When the next attempt is due (pending deliveries). */
  nextAttemptAt: string;
  lastAttemptAt: string | null;
  /** HTTP status of the last attempt; null when it did not get an answer. */
  lastStatus: number | null;
  lastError: string | null;
  deliveredAt: string | null;
  createdAt: string;
}

export class WebhookDeliveryPageDto {
  items: WebhookDeliveryDto[];
  nextCursor?: string;
}
