import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { MailOutbox } from './mail-outbox.service.js';

const MAIL_CLEANUP_INTERVAL_MS = 60 * 60 * 1000;

/** Every hour, sent mails past their retention and undelivered mails whose link has expired are deleted. */
@Injectable()
export class MailCleanup {
  private readonly logger = new Logger('MailCleanup');

  constructor(private readonly outbox: MailOutbox) {}

  @Interval(MAIL_CLEANUP_INTERVAL_MS)
  async run(): Promise<void> {
    try {
      const { sent, expired } = await this.outbox.purge();
      if (sent > 0) this.logger.log(`deleted ${sent} sent mails`);
      if (expired > 0) this.logger.warn(`dropped ${expired} undelivered mails whose links had expired`);
    } catch (error) {
      this.logger.warn(`mail clean-up failed: ${(error as Error).message}`);
    }
  }
}
