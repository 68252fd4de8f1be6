import { Injectable } from '@nestjs/common';
import { HourlyCleanup } from '../common/hourly-cleanup.js';
import { MailOutbox } from './mail-outbox.service.js';

/** Every hour, sent mails past their retention and undelivered mails whose link has expired are deleted. */
@Injectable()
export class MailCleanup extends HourlyCleanup {
  constructor(private readonly outbox: MailOutbox) {
    super('MailCleanup', 'mail');
  }

  protected async purge(): Promise<void> {
    const { sent, expired } = await this.outbox.purge();
    if (sent > 0) this.logger.log(`deleted ${sent} sent mails`);
    if (expired > 0) this.logger.warn(`dropped ${expired} undelivered mails whose links had expired`);
  }
}
