import { type AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

/** A mail as the test SMTP server received it, parsed with mailparser. */
export interface ReceivedMail {
  to: string;
  from: string;
  subject: string;
  text: string;
  html: string;
  /** Whether it arrived over TLS (STARTTLS). */
  secure: boolean;
}

/**
 * A real SMTP server in this process (smtp-server, over a loopback socket) that keeps what it receives, so a
 * test reads what the service sent. It can be stopped and started again on the same port (a mail server outage).
 */
export class TestSmtpServer {
  readonly received: ReceivedMail[] = [];
  private server: SMTPServer | undefined;
  private port = 0;

  /** `starttls`: offer STARTTLS (with smtp-server's self-signed certificate); `delayMs`: answer each mail that late. */
  constructor(private readonly options: { starttls?: boolean; delayMs?: number } = {}) {}

  /** The URL the service is given as SMTP_URL. */
  get url(): string {
    const query = this.options.starttls ? '?tls.rejectUnauthorized=false' : '';
    return `smtp://127.0.0.1:${this.port}${query}`;
  }

  async start(): Promise<this> {
    const server = new SMTPServer({
      authOptional: true,
      disabledCommands: this.options.starttls ? [] : ['STARTTLS'],
      logger: false,
      onData: (stream, session, callback) => {
        simpleParser(stream)
          .then(async (parsed) => {
            if (this.options.delayMs) await new Promise((resolve) => setTimeout(resolve, this.options.delayMs));
            this.received.push({
              to: session.envelope.rcptTo.map((address) => address.address).join(','),
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              subject: parsed.subject ?? '',
              text: parsed.text ?? '',
              html: typeof parsed.html === 'string' ? parsed.html : '',
              secure: session.secure,
            });
            callback();
          })
          .catch((error: Error) => callback(error));
      },
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  mailsTo(address: string): ReceivedMail[] {
    return this.received.filter((mail) => mail.to === address);
  }

  /** Waits for the `count`-th mail to `address` (10 s at most) and returns it. */
  async waitForMail(address: string, count = 1, timeoutMs = 10_000): Promise<ReceivedMail> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const mails = this.mailsTo(address);
      if (mails.length >= count) return mails[count - 1];
      if (Date.now() > deadline) throw new Error(`no mail number ${count} to ${address} within ${timeoutMs} ms (got ${mails.length})`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/** The token of the link `<appUrl>#<kind>=<token>` in a mail's text (and the same link in its HTML). */
export function tokenFromMail(mail: ReceivedMail, kind: 'verify' | 'reset'): string {
  const match = new RegExp(`(\\S+)#${kind}=([A-Za-z0-9_-]+)`).exec(mail.text);
  if (!match) throw new Error(`no #${kind}= link in the mail: ${mail.text}`);
  if (!mail.html.includes(`#${kind}=${match[2]}`)) throw new Error(`the HTML part lacks the #${kind}= link`);
  return match[2];
}
