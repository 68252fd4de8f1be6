import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { AuditService } from '../audit/audit.service.js';
import { SessionsService } from './sessions.service.js';

/**
 * Every hour, dead sessions and audit events older than AUDIT_RETENTION are deleted, so that neither
 * table grows without bound.
 */
export const SESSION_CLEANUP_INTERVAL_MS = 60 * 60 * 1000;

@Injectable()
export class SessionCleanup {
  private readonly logger = new Logger('SessionCleanup');

  constructor(
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
  ) {}

  /** Returns the number of dead sessions deleted. */
  @Interval(SESSION_CLEANUP_INTERVAL_MS)
  async run(): Promise<number> {
    await this.purgeAuditEvents();
    try {
      const deleted = await this.sessions.purgeDead();
      if (deleted > 0) this.logger.log(`deleted ${deleted} dead sessions`);
      return deleted;
    } catch (error) {
      // The database may be down for a moment: the next run catches up.
      this.logger.warn(`session clean-up failed: ${(error as Error).message}`);
      return 0;
    }
  }

  private async purgeAuditEvents(): Promise<void> {
    try {
      const deleted = await this.audit.purgeExpired();
      if (deleted > 0) this.logger.log(`deleted ${deleted} audit events past AUDIT_RETENTION`);
    } catch (error) {
      this.logger.warn(`audit event clean-up failed: ${(error as Error).message}`);
    }
  }
}
