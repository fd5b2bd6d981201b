/**
 * @module A loopback TCP relay between the agent and the edge, so a test can drop the
 * agent's WebSocket mid-job (`cut`) while both processes keep running, as a network blip
 * or a runtime restart would.
 */
import net from "node:net";

export interface TcpProxy {
  /** The relay's URL, for the agent's --edge. */
  readonly url: string;
  /** Connections relayed so far. */
  readonly accepted: number;
  /** Destroys every open connection at once (both sides see it drop); new ones still pass. */
  cut(): number;
  stop(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((client) => {
    accepted++;
    const upstream = net.connect(target.port, target.host);
    open.add(client);
    open.add(upstream);
    const close = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on("error", close).on("close", close);
    upstream.on("error", close).on("close", close);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    get accepted() {
      return accepted;
    },
    cut() {
      const n = open.size;
      // resetAndDestroy: an RST, as a dropped path looks to both ends, not a polite FIN.
      for (const socket of [...open]) socket.resetAndDestroy();
      return n;
    },
    async stop() {
      for (const socket of [...open]) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
