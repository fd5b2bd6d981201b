/**
 * @module A direct ssh2 client to the test sshd, bypassing the product: proves the sshd
 * works and gives the benchmark its raw baseline. Own socket with TCP_NODELAY, host key
 * checked against the pinned fingerprint.
 */
import { createHash } from "node:crypto";
import net from "node:net";
import { Client } from "ssh2";
import { assertLoopback } from "./ports.js";

export interface SshTarget {
  host: string;
  port: number;
  user: string;
  privateKey: string;
  /** `SHA256:...`; the connection fails when the server presents another key. */
  hostKeyFingerprint: string;
}

export interface ExecOutcome {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Opens one warm SSH connection. */
export function sshConnect(target: SshTarget, timeoutMs = 10_000): Promise<Client> {
  assertLoopback(target.host);
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: target.host, port: target.port });
    sock.setNoDelay(true);
    const conn = new Client();
    let seenFingerprint = "";
    conn.once("ready", () => resolve(conn));
    conn.once("error", (error) => {
      sock.destroy();
      const detail =
        seenFingerprint && seenFingerprint !== target.hostKeyFingerprint
          ? ` (server key ${seenFingerprint}, expected ${target.hostKeyFingerprint})`
          : "";
      reject(new Error(`ssh to ${target.user}@${target.host}:${target.port} failed: ${error.message}${detail}`));
    });
    conn.connect({
      sock,
      username: target.user,
      privateKey: target.privateKey,
      readyTimeout: timeoutMs,
      hostVerifier: (key: Buffer) => {
        seenFingerprint = `SHA256:${createHash("sha256").update(key).digest("base64").replace(/=+$/, "")}`;
        return seenFingerprint === target.hostKeyFingerprint;
      },
    });
  });
}

/** Runs one command string on an open connection and collects its output. */
export function sshExec(conn: Client, command: string): Promise<ExecOutcome> {
  return new Promise((resolve, reject) => {
    conn.exec(command, (error, stream) => {
      if (error) return reject(error);
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      let code: number | null = null;
      let signal: string | null = null;
      stream.on("data", (chunk: Buffer) => stdout.push(chunk));
      stream.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
      stream.on("exit", (c: number | null, s?: string) => {
        code = c;
        signal = s ?? null;
      });
      stream.on("close", () =>
        resolve({
          code,
          signal,
          stdout: Buffer.concat(stdout).toString("utf8"),
          stderr: Buffer.concat(stderr).toString("utf8"),
        }),
      );
    });
  });
}

/** The original's quoting: the command becomes one single-quoted argument of `bash -lc`. */
export function bashLc(command: string): string {
  return `bash -lc '${command.replaceAll("'", `'"'"'`)}'`;
}

export interface RawFleetOptions {
  /** Connections to open to the target; channels are spread over them. */
  connections: number;
  /** Channels at once per connection; stay under sshd's MaxSessions (10 by default). */
  perConnection: number;
}

export interface RawRunner {
  run(command: string): Promise<ExecOutcome>;
  /** Channel opens the server refused (its MaxSessions) and that were retried. */
  refusals: number;
  close(): void;
}

const sleepMs = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The control for concurrency tests and benchmarks: plain ssh2 on warm connections, each
 * with at most `perConnection` channels; an open the server refuses is retried after 1 ms.
 * No pool logic of the product's: what sshd itself does at that concurrency.
 */
export async function rawRunner(target: SshTarget, options: RawFleetOptions): Promise<RawRunner> {
  const conns = await Promise.all(Array.from({ length: options.connections }, () => sshConnect(target)));
  const active = conns.map(() => 0);
  const waiters: (() => void)[] = [];
  const runner: RawRunner = {
    refusals: 0,
    async run(command) {
      let index = active.findIndex((n) => n < options.perConnection);
      while (index < 0) {
        await new Promise<void>((resolve) => waiters.push(resolve));
        index = active.findIndex((n) => n < options.perConnection);
      }
      active[index] = (active[index] ?? 0) + 1;
      try {
        for (;;) {
          try {
            return await sshExec(conns[index] as Client, command);
          } catch (error) {
            if (!/open failure/i.test((error as Error).message)) throw error;
            runner.refusals++;
            await sleepMs(1);
          }
        }
      } finally {
        active[index] = (active[index] ?? 1) - 1;
        waiters.shift()?.();
      }
    },
    close() {
      for (const conn of conns) conn.end();
    },
  };
  return runner;
}
