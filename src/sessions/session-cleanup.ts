import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { SessionsService } from './sessions.service.js';

/** Every hour, dead sessions are deleted so that the table does not grow without bound. */
export const SESSION_CLEANUP_INTERVAL_MS = 60 * 60 * 1000;

@Injectable()
export class SessionCleanup {
  private readonly logger = new Logger('SessionCleanup');

  constructor(private readonly sessions: SessionsService) {}

  @Interval(SESSION_CLEANUP_INTERVAL_MS)
  async run(): Promise<number> {
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
}
