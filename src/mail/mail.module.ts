import { Module } from '@nestjs/common';
import { APP_CONFIG } from '../config/config.module.js';
import { type AppConfig } from '../config/app-config.js';
import { MailCleanup } from './mail-cleanup.js';
import { MailOutbox } from './mail-outbox.service.js';
import { MAIL_TRANSPORT, mailTransportFor } from './mail-transport.js';
import { OutboxSender } from './outbox-sender.service.js';

/** Outgoing mail: the outbox (queued in the features' transactions) and its background sender. */
@Module({
  providers: [
    { provide: MAIL_TRANSPORT, useFactory: (config: AppConfig) => mailTransportFor(config.mail), inject: [APP_CONFIG] },
    MailOutbox,
    OutboxSender,
    MailCleanup,
  ],
  exports: [MailOutbox, OutboxSender],
})
export class MailModule {}
