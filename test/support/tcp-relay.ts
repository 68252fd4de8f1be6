import { createConnection, createServer, type AddressInfo, type Socket } from 'node:net';

/** One client connection through the relay, with what the client has sent so far (to tell connections apart). */
interface RelayedConnection {
  client: Socket;
  upstream: Socket;
  sent: string;
  frozen: boolean;
  held: { to: Socket; chunk: Buffer }[];
}

export interface TcpRelay {
  port: number;
  /** `url` with its host and port replaced by the relay's. */
  via(url: string): string;
  /**
   * Stops forwarding, in both directions and without closing anything, on the open connections where the
   * client has sent `text`: a silently broken link (a NAT or load balancer that dropped the flow). Returns how many.
   */
  freezeWhereSent(text: string): number;
  /** Forwards again on every frozen connection, with the data held meanwhile. */
  thaw(): void;
  close(): Promise<void>;
}

/** A TCP relay on 127.0.0.1 to `target` that a test can freeze: a network path under the test's control. */
export async function startTcpRelay(target: { host: string; port: number }): Promise<TcpRelay> {
  const connections = new Set<RelayedConnection>();
  const server = createServer((client) => {
    const upstream = createConnection(target);
    const connection: RelayedConnection = { client, upstream, sent: '', frozen: false, held: [] };
    connections.add(connection);
    const forward = (to: Socket) => (chunk: Buffer) => {
      if (to === upstream && connection.sent.length < 65_536) connection.sent += chunk.toString('latin1');
      if (connection.frozen) connection.held.push({ to, chunk });
      else to.write(chunk);
    };
    client.on('data', forward(upstream));
    upstream.on('data', forward(client));
    const close = () => {
      connections.delete(connection);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', close);
      socket.on('close', close);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    via(url) {
      const relayed = new URL(url);
      relayed.hostname = '127.0.0.1';
      relayed.port = String(port);
      return relayed.toString();
    },
    freezeWhereSent(text) {
      const matching = [...connections].filter((connection) => connection.sent.includes(text));
      for (const connection of matching) connection.frozen = true;
      return matching.length;
    },
    thaw() {
      for (const connection of connections) {
        connection.frozen = false;
        for (const { to, chunk } of connection.held.splice(0)) to.write(chunk);
      }
    },
    async close() {
      for (const connection of connections) {
        connection.client.destroy();
        connection.upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
