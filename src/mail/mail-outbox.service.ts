import { Injectable } from '@nestjs/common';
import { PrismaService } from '../database/prisma.service.js';
import { type Prisma } from '../generated/prisma/client.js';
import { type OutgoingMail } from './mail.types.js';

/** A mail claimed for one delivery attempt. */
export interface ClaimedMail extends OutgoingMail {
  id: string;
  attempts: number;
}

/** Longer than any delivery attempt (see SMTP_TIMEOUTS): a claim left by a crashed instance is retried after it. */
export const CLAIM_LEASE_SECONDS = 120;
/** Retries wait 1 s, 2 s, 4 s... up to this. */
export const MAX_BACKOFF_SECONDS = 300;
/** Sent mails (their bodies already blanked) are kept this long for support, then purged. */
const SENT_RETENTION_SECONDS = 86_400;

export function backoffSeconds(attempts: number): number {
  return Math.min(MAX_BACKOFF_SECONDS, 2 ** Math.max(0, attempts - 1));
}

/** The one owner of the mail_outbox table. */
@Injectable()
export class MailOutbox {
  constructor(private readonly prisma: PrismaService) {}

  /**
   * Queues a mail in the caller's transaction, so that it exists exactly when the change it announces
   * (a token) commits. `expiresAt`: when its link dies, after which it is not worth sending.
   */
  async enqueue(mail: OutgoingMail, expiresAt: Date, tx: Prisma.TransactionClient): Promise<void> {
    await tx.mailOutbox.create({
      data: { recipient: mail.to, subject: mail.subject, textBody: mail.text, htmlBody: mail.html, expiresAt },
      select: { id: true },
    });
  }

  /**
   * Claims up to `limit` due mails for one attempt each: the lease moves their next attempt past
   * CLAIM_LEASE_SECONDS in the same statement, and SKIP LOCKED keeps two instances from claiming one row.
   */
  async claimDue(limit: number): Promise<ClaimedMail[]> {
    const { rows } = await this.prisma.pool.query<ClaimedMail>(
      `UPDATE mail_outbox SET next_attempt_at = now() + make_interval(secs => $2), attempts = attempts + 1
        WHERE id IN (SELECT id FROM mail_outbox
                      WHERE sent_at IS NULL AND next_attempt_at <= now() AND expires_at > now()
                      ORDER BY next_attempt_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING id::text AS id, recipient AS "to", subject, text_body AS text, html_body AS html, attempts`,
      [limit, CLAIM_LEASE_SECONDS],
    );
    return rows;
  }

  /** Delivered: the bodies, which hold the link and its token, are blanked. */
  async markSent(id: string): Promise<void> {
    await this.prisma.pool.query(
      `UPDATE mail_outbox SET sent_at = now(), text_body = '', html_body = '', last_error = NULL WHERE id = $1`,
      [id],
    );
  }

  /** Not delivered: retried after a backoff that grows with the attempts. */
  async markFailed(mail: ClaimedMail, error: string): Promise<void> {
    await this.prisma.pool.query(
      'UPDATE mail_outbox SET next_attempt_at = now() + make_interval(secs => $2), last_error = $3 WHERE id = $1 AND sent_at IS NULL',
      [mail.id, backoffSeconds(mail.attempts), error.slice(0, 500)],
    );
  }

  /** Deletes sent mails past their retention and unsent ones whose link has expired; returns both counts. */
  async purge(): Promise<{ sent: number; expired: number }> {
    const sent = await this.prisma.pool.query('DELETE FROM mail_outbox WHERE sent_at < now() - make_interval(secs => $1)', [
      SENT_RETENTION_SECONDS,
    ]);
    const expired = await this.prisma.pool.query('DELETE FROM mail_outbox WHERE sent_at IS NULL AND expires_at <= now()');
    return { sent: sent.rowCount ?? 0, expired: expired.rowCount ?? 0 };
  }
}
