import { Global, Module } from '@nestjs/common';
import { JobRegistry } from './job-registry';
import { JobRunner } from './job-runner';
import { JobsController } from './jobs.controller';
import { JobsRepository } from './jobs.repository';

@Global()
@Module({
  controllers: [JobsController],
  providers: [JobRegistry, JobRunner, JobsRepository],
  exports: [JobRegistry, JobRunner],
})
export class JobsModule {}
