/**
 * @module A real SSH server for tests, in-process on 127.0.0.1: ssh2's Server with
 * generated keys, whose exec runs `sh -c <command>` and relays output, exit status and
 * signals like sshd does (a `signal` request kills the command's process group).
 * Options reproduce two of sshd's behaviours under load: a session limit per connection
 * whose slots free only some time after the client closed the channel (MaxSessions, and
 * sshd reaping the session after it read the client's close), and an answer to an exec
 * that arrives in one read (confirmation, output, exit status and close together).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ssh2 from "ssh2";
import type { ServedVm } from "../config.js";
import { generateEd25519 } from "../ssh/keygen.js";
import { fingerprint } from "../ssh/known-hosts.js";

export interface KeyPair {
  private: string;
  /** `ssh-ed25519 AAAA…` */
  public: string;
  blob: Buffer;
  fingerprint: string;
}

export function generateKeyPair(): KeyPair {
  const pair = generateEd25519();
  const blob = Buffer.from(pair.public.split(/\s+/)[1] ?? "", "base64");
  return { private: pair.private, public: pair.public.trim(), blob, fingerprint: fingerprint(blob) };
}

export interface TestSshServer {
  host: string;
  port: number;
  user: string;
  hostKey: KeyPair;
  clientKey: KeyPair;
  /** TCP connections accepted so far. */
  readonly connections: number;
  /** Commands received by exec, in order. */
  readonly execs: string[];
  /** Signal names received (`KILL`, …). */
  readonly signals: string[];
  /** Session opens refused because of `maxSessions`. */
  readonly refused: number;
  /** $HOME of the commands it runs: a file there lets one server behave unlike another. */
  home: string;
  /** A served VM pointing at this server (pins its host key unless told otherwise). */
  vm(overrides?: Partial<ServedVm>): ServedVm;
  /** Ends every client connection, as a restarting server would. */
  dropAll(): void;
  close(): Promise<void>;
}

export interface TestSshServerOptions {
  hostKey?: KeyPair;
  port?: number;
  /** Sessions at once per connection, as sshd's MaxSessions; more are refused ("open failed"). */
  maxSessions?: number;
  /** How long after the client's channel close a session still counts against `maxSessions`. */
  reapLagMs?: number;
  /** Answer every exec at once, in one write: confirmation, output, exit status (unless null), close. */
  burst?: { stdout: string; code: number | null };
}

export async function startTestSshServer(options: TestSshServerOptions = {}): Promise<TestSshServer> {
  const hostKey = options.hostKey ?? generateKeyPair();
  const clientKey = generateKeyPair();
  const allowed = ssh2.utils.parseKey(clientKey.public);
  if (allowed instanceof Error) throw allowed;
  // An empty HOME keeps `bash -l` from reading the machine's (slow) root profile.
  const home = mkdtempSync(join(tmpdir(), "tc-sshd-home-"));
  const clients = new Set<ssh2.Connection>();
  const children = new Set<ChildProcess>();
  const execs: string[] = [];
  const signals: string[] = [];
  let connections = 0;
  let refused = 0;

  const server = new ssh2.Server({ hostKeys: [hostKey.private] }, (client) => {
    connections++;
    clients.add(client);
    client.on("close", () => clients.delete(client));
    client.on("error", () => undefined);
    client.on("authentication", (ctx) => {
      if (ctx.method !== "publickey" || ctx.username !== "tester") return ctx.reject(["publickey"]);
      const sameKey = ctx.key.algo === allowed.type && ctx.key.data.equals(allowed.getPublicSSH());
      if (!sameKey) return ctx.reject(["publickey"]);
      if (ctx.signature && ctx.blob && allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) {
        return ctx.reject(["publickey"]);
      }
      ctx.accept();
    });
    let sessions = 0;
    client.on("ready", () => {
      client.on("session", (accept, reject) => {
        if (options.maxSessions !== undefined && sessions >= options.maxSessions) {
          refused++;
          return reject();
        }
        sessions++;
        const session = accept();
        let child: ChildProcess | undefined;
        session.on("signal", (_accept, _reject, info) => {
          signals.push(info.name);
          if (child?.pid) {
            try {
              process.kill(-child.pid, `SIG${info.name}` as NodeJS.Signals);
            } catch {
              // Already gone.
            }
          }
        });
        session.on("exec", (acceptExec, _reject, info) => {
          execs.push(info.command);
          // One corked write: the client reads the whole answer at once.
          const sock = (client as unknown as { _sock: import("node:net").Socket })._sock;
          if (options.burst) sock.cork();
          const stream = acceptExec();
          // The session slot frees once the client's close has been read, and then some.
          stream.on("close", () => setTimeout(() => sessions--, options.reapLagMs ?? 0));
          stream.resume();
          if (options.burst) {
            stream.write(options.burst.stdout);
            if (options.burst.code !== null) stream.exit(options.burst.code);
            stream.end();
            process.nextTick(() => sock.uncork());
            return;
          }
          const proc = spawn("sh", ["-c", info.command], {
            detached: true,
            env: { ...process.env, HOME: home },
            stdio: ["ignore", "pipe", "pipe"],
          });
          child = proc;
          children.add(proc);
          // One write at a time across both streams: ssh2's Server stalls when stdout and stderr
          // both wait for window space. The chain also lets the exit status follow all output, as in sshd.
          let written = Promise.resolve();
          const relay = (target: NodeJS.WritableStream) => (d: Buffer) => {
            written = written.then(() => new Promise<void>((r) => target.write(d, () => r())));
          };
          proc.stdout?.on("data", relay(stream));
          proc.stderr?.on("data", relay(stream.stderr));
          proc.on("close", (code, signal) => {
            children.delete(proc);
            written.then(() => {
              try {
                if (signal) stream.exit(signal.replace(/^SIG/, ""), false, "");
                else stream.exit(code ?? 0);
                stream.end();
              } catch {
                // The client closed the channel first.
              }
            });
          });
        });
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", () => resolve()));
  const port = (server.address() as AddressInfo).port;

  return {
    host: "127.0.0.1",
    port,
    user: "tester",
    hostKey,
    clientKey,
    get connections() {
      return connections;
    },
    execs,
    signals,
    get refused() {
      return refused;
    },
    home,
    vm: (overrides = {}) => ({
      name: "vm1",
      host: "127.0.0.1",
      port,
      user: "tester",
      privateKey: clientKey.private,
      host_key: hostKey.public,
      ...overrides,
    }),
    dropAll() {
      for (const c of clients) c.end();
    },
    async close() {
      for (const proc of children) {
        if (proc.pid) {
          try {
            process.kill(-proc.pid, "SIGKILL");
          } catch {
            // Already gone.
          }
        }
      }
      for (const c of clients) c.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(home, { recursive: true, force: true });
    },
  };
}
