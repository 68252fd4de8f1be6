import { Injectable } from '@nestjs/common';
import { HourlyCleanup } from '../common/hourly-cleanup.js';
import { EmailTokens } from './email-tokens.service.js';

/** Every hour, expired email tokens are deleted. */
@Injectable()
export class EmailTokensCleanup extends HourlyCleanup {
  constructor(private readonly tokens: EmailTokens) {
    super('EmailTokensCleanup', 'email token');
  }

  protected async purge(): Promise<void> {
    const deleted = await this.tokens.purgeExpired();
    if (deleted > 0) this.logger.log(`deleted ${deleted} expired email tokens`);
  }
}
