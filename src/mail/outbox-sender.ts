import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
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
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;
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

  /** Delivers every due mail; one run at a time per instance (a call during a run makes it go round again). */
  @Interval(OUTBOX_POLL_INTERVAL_MS)
  deliverDue(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer.timer);
    await this.running;
    this.transport.close();
  }

  private async drain(): Promise<void> {
    do {
      this.again = false;
      let batch: ClaimedMail[];
      try {
        batch = await this.outbox.claimDue(BATCH);
      } catch (error) {
        // The database is away: the next poll tries again.
        this.logger.debug(`outbox not readable: ${(error as Error).message}`);
        return;
      }
      for (const mail of batch) await this.deliver(mail);
      if (batch.length === BATCH) this.again = true;
    } while (this.again && !this.stopped);
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
    if (this.stopped || (this.retryTimer && this.retryTimer.at <= at)) return;
    if (this.retryTimer) clearTimeout(this.retryTimer.timer);
    const timer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.deliverDue();
    }, at - Date.now());
    timer.unref();
    this.retryTimer = { at, timer };
  }
}
