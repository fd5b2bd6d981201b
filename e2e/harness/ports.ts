/**
 * @module Loopback-only networking helpers: free ports, polling, SSH banner checks.
 * Every address the harness touches goes through `assertLoopback` first.
 */
import net from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** Tests and benchmarks talk to 127.0.0.0/8 only; anything else is a harness bug. */
export function assertLoopback(host: string): void {
  if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) {
    throw new Error(`refusing non-loopback address ${JSON.stringify(host)}: e2e traffic stays on 127.0.0.0/8`);
  }
}

/** A TCP port that was free on `host` a moment ago (the kernel picks it). */
export async function freePort(host = "127.0.0.1"): Promise<number> {
  assertLoopback(host);
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error("no port assigned"))));
    });
  });
}

/** True when something accepts TCP connections on host:port. */
export function portAccepts(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  assertLoopback(host);
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/**
 * Polls `check` until it returns a value other than undefined/false, or throws after
 * `timeoutMs` with `what` and the last error in the message.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs: number,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await sleep(intervalMs);
  }
}

/** Reads the server's identification line; resolves with it, rejects on close/timeout. */
export function readSshBanner(host: string, port: number, timeoutMs = 2_000): Promise<string> {
  assertLoopback(host);
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    let buffered = "";
    const finish = (error: Error | undefined, banner?: string) => {
      socket.destroy();
      if (error) reject(error);
      else resolve(banner ?? "");
    };
    socket.setTimeout(timeoutMs, () => finish(new Error(`no SSH banner from ${host}:${port}`)));
    socket.on("data", (chunk) => {
      buffered += chunk.toString("latin1");
      const end = buffered.indexOf("\n");
      if (end >= 0) finish(undefined, buffered.slice(0, end).trim());
    });
    socket.once("error", (error) => finish(error));
    socket.once("close", () => finish(new Error(`connection to ${host}:${port} closed before a banner`)));
  });
}
