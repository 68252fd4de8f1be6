import { Module } from '@nestjs/common';
import { MailModule } from '../mail/mail.module.js';
import { EmailLinks } from './email-links.service.js';
import { EmailTokensCleanup } from './email-tokens-cleanup.js';
import { EmailTokens } from './email-tokens.service.js';

/** Tokens sent in email links (verification, password reset) and the mails that carry them. */
@Module({
  imports: [MailModule],
  providers: [EmailTokens, EmailLinks, EmailTokensCleanup],
  exports: [EmailTokens, EmailLinks],
})
export class EmailTokensModule {}
