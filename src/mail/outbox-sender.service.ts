import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { SerialRunner } from '../common/serial-runner.js';
import { backoffSeconds, MailOutbox, type ClaimedMail } from './mail-outbox.service.js';
import { MAIL_TRANSPORT, type MailTransport } from './mail-transport.js';

/** Mails queued by another instance, or due for a retry, are found within this. */
export const OUTBOX_POLL_INTERVAL_MS = 5_000;
const BATCH = 20;

/**
 * Delivers the outbox in the background, so that no request waits on the mail server: after a commit that
 * queued a mail (`deliverSoon`), every OUTBOX_POLL_INTERVAL_MS, and when a retry falls due. A failed
 * delivery stays queued with a growing backoff: while the mail server is down nothing fails, and the mails
 * go out once it is back. The warning is logged once per outage, not once per mail.
 */
@Injectable()
export class OutboxSender implements OnApplicationShutdown {
  private readonly logger = new Logger('Mail');
  /** One run at a time per instance (a call during a run makes it go round again). */
  private readonly sender = new SerialRunner(
    () => this.deliverBatch(),
    // The database is away: the next poll tries again.
    (error) => this.logger.debug(`outbox not readable: ${error.message}`),
  );
  private failing = false;
  /** One timer, for the earliest retry due. */
  private retryTimer: { at: number; timer: NodeJS.Timeout } | undefined;

  constructor(
    private readonly outbox: MailOutbox,
    @Inject(MAIL_TRANSPORT) private readonly transport: MailTransport,
  ) {}

  /** Call after the transaction that queued a mail has committed. Does not wait for the delivery. */
  deliverSoon(): void {
    void this.deliverDue();
  }

  /** Delivers every due mail. */
  @Interval(OUTBOX_POLL_INTERVAL_MS)
  deliverDue(): Promise<void> {
    return this.sender.run();
  }

  async onApplicationShutdown(): Promise<void> {
    const stopping = this.sender.stop();
    if (this.retryTimer) clearTimeout(this.retryTimer.timer);
    await stopping;
    this.transport.close();
  }

  /** Claims and delivers one batch; true when it was full (more may be due). */
  private async deliverBatch(): Promise<boolean> {
    const batch = await this.outbox.claimDue(BATCH);
    for (const mail of batch) await this.deliver(mail);
    return batch.length === BATCH;
  }

  private async deliver(mail: ClaimedMail): Promise<void> {
    try {
      await this.transport.send(mail);
    } catch (error) {
      const message = (error as Error).message;
      if (!this.failing) this.logger.warn(`mail server unavailable (${message}): mails stay in the outbox and are retried`);
      this.failing = true;
      await this.outbox.markFailed(mail, message).catch(() => undefined); // else the lease runs out and it is retried then
      this.retryAfter(backoffSeconds(mail.attempts));
      return;
    }
    if (this.failing) this.logger.log('mail server available again: delivering the outbox');
    this.failing = false;
    await this.outbox.markSent(mail.id).catch((error: unknown) => {
      // Sent but not marked: it may be sent once more after its lease, which beats losing it.
      this.logger.warn(`mail ${mail.id} sent but not marked sent: ${(error as Error).message}`);
    });
    this.logger.log({ event: 'mail.sent', mailId: mail.id, attempts: mail.attempts });
  }

  private retryAfter(seconds: number): void {
    const at = Date.now() + seconds * 1000 + 50;
    if (this.sender.stopped || (this.retryTimer && this.retryTimer.at <= at)) return;
    if (this.retryTimer) clearTimeout(this.retryTimer.timer);
    const timer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.deliverDue();
    }, at - Date.now());
    timer.unref();
    this.retryTimer = { at, timer };
  }
}
