// A mail server that takes every mail and keeps nothing: the service in production mode needs one (SMTP_URL),
// and sign-ups send verification mails. smtp-server, in the benchmark's own process, on a loopback port.
import { SMTPServer } from 'smtp-server';

/** Starts the sink; returns its smtp:// URL and a stop function. */
export async function startMailSink() {
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      stream.on('end', () => callback());
      stream.resume();
    },
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  return {
    url: `smtp://127.0.0.1:${server.server.address().port}`,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}
