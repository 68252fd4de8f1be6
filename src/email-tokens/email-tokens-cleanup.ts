import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { EmailTokens } from './email-tokens.service.js';

const EMAIL_TOKENS_CLEANUP_INTERVAL_MS = 60 * 60 * 1000;

/** Every hour, expired email tokens are deleted. */
@Injectable()
export class EmailTokensCleanup {
  private readonly logger = new Logger('EmailTokensCleanup');

  constructor(private readonly tokens: EmailTokens) {}

  @Interval(EMAIL_TOKENS_CLEANUP_INTERVAL_MS)
  async run(): Promise<void> {
    try {
      const deleted = await this.tokens.purgeExpired();
      if (deleted > 0) this.logger.log(`deleted ${deleted} expired email tokens`);
    } catch (error) {
      this.logger.warn(`email token clean-up failed: ${(error as Error).message}`);
    }
  }
}
