import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { LiveSessionCache } from './live-session-cache.js';
import { SessionCleanup } from './session-cleanup.js';
import { SessionsController } from './sessions.controller.js';
import { SessionsService } from './sessions.service.js';

@Module({
  imports: [AuditModule],
  controllers: [SessionsController],
  providers: [SessionsService, SessionCleanup, LiveSessionCache],
  exports: [SessionsService],
})
export class SessionsModule {}
