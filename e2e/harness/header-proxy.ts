/**
 * @module A loopback HTTP relay that adds one header to every request (an API key), for a
 * client that cannot send headers of its own: the conformance suite. Everything else passes
 * as it came, `Host` included, and answers stream back as they are written (SSE).
 */
import http from "node:http";
import { assertLoopback } from "./ports.js";

export interface HeaderProxy {
  /** The relay's MCP URL. */
  readonly mcpUrl: string;
  stop(): Promise<void>;
}

export async function startHeaderProxy(targetUrl: string, name: string, value: string): Promise<HeaderProxy> {
  const target = new URL(targetUrl);
  assertLoopback(target.hostname);
  const server = http.createServer((req, res) => {
    const upstream = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, [name.toLowerCase()]: value },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", (err) => res.destroy(err));
    // A client that goes away mid-answer (a cancelled stream) takes the upstream request with it.
    res.on("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    mcpUrl: `http://127.0.0.1:${port}${target.pathname}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
