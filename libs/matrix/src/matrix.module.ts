import { Module } from '@nestjs/common';
import { TenancyModule } from '@govmatrix/tenancy';
import { MatrixController } from './matrix.controller';
import { MatrixRepository } from './matrix.repository';
import { MatrixService } from './matrix.service';

/** Matrix views (集群): coverage, upper–lower interaction, unit-to-unit matrix, trends. */
@Module({
  imports: [TenancyModule],
  controllers: [MatrixController],
  providers: [MatrixRepository, MatrixService],
  exports: [MatrixService],
})
export class MatrixModule {}
