/**
 * @module The demo's SSH target: an in-process ssh2 server on loopback, with a fresh host
 * key and a fresh client key, that runs each `exec` as the current user. It lets
 * `npm run dev` work with no config, no sshd and no root.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type Server as NetServer, type Socket } from "node:net";
import { constants, homedir, userInfo } from "node:os";
import type { Config } from "@telecommande/shared";
import ssh2 from "ssh2";
import { generateEd25519 } from "../ssh/keygen.js";

export interface DemoTarget {
  host: "127.0.0.1";
  port: number;
  user: string;
  /** OpenSSH private key the agent logs in with; only this key is accepted. */
  clientKey: string;
  /** Host key pin, as an OpenSSH fingerprint (`SHA256:...`). */
  hostKeyFingerprint: string;
  /** Stops listening, drops every connection and kills every running command. */
  close(): Promise<void>;
}

export interface DemoTargetOptions {
  /** The login name to accept; also what commands run as (they run as this process's user regardless). */
  user?: string;
  /** Where the server reports what it refuses; silent by default. */
  log?: (message: string) => void;
}

/** Grace between SIGTERM and SIGKILL when a channel closes under a running command. */
const KILL_GRACE_MS = 1_000;

/** sshd's default AcceptEnv: locale only, so a client cannot inject PATH or LD_PRELOAD. */
const ACCEPTED_ENV = /^(LANG|LC_[A-Z_]+)$/;

/** OpenSSH's `SHA256:` fingerprint of a public key line. */
export function fingerprint(publicKey: string): string {
  const parsed = ssh2.utils.parseKey(publicKey);
  if (parsed instanceof Error) throw parsed;
  const blob = parsed.getPublicSSH();
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/**
 * A fresh ed25519 key pair that ssh2 can read back. ssh2 1.17's generator strips a leading
 * zero byte from the public key, so about 1 pair in 256 is unparsable (mscdex/ssh2#1390,
 * #1513): such a pair is drawn again.
 */
function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Signals a command's whole process group, so `sh -c 'a | b'` dies with its children. */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** Terminates a command whose channel went away: SIGTERM, then SIGKILL if it lingers. */
function terminate(child: ChildProcess): void {
  killGroup(child, "SIGTERM");
  const timer = setTimeout(() => killGroup(child, "SIGKILL"), KILL_GRACE_MS);
  timer.unref();
  child.once("exit", () => clearTimeout(timer));
}

/** The environment sshd would give a fresh login, not the launcher's (which holds npm's and ours). */
function loginEnv(user: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    HOME: homedir(),
    USER: user,
    LOGNAME: user,
    SHELL: userInfo().shell ?? "/bin/sh",
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    ...(process.env.LANG ? { LANG: process.env.LANG } : {}),
    ...extra,
  };
}

/** ssh2 wants an exit signal without the SIG prefix; one it does not know becomes 128+n. */
function reportExit(channel: ssh2.ServerChannel, code: number | null, signal: NodeJS.Signals | null): void {
  if (signal) {
    try {
      channel.exit(signal.replace(/^SIG/, ""), false, "");
    } catch {
      channel.exit(128 + (constants.signals[signal] ?? 0));
    }
  } else {
    channel.exit(code ?? 0);
  }
  channel.end();
}

function handleSession(session: ssh2.Session, user: string, children: Set<ChildProcess>): void {
  const env: Record<string, string> = {};
  let child: ChildProcess | undefined;

  session.on("env", (accept, reject, info) => {
    if (!ACCEPTED_ENV.test(info.key)) return reject?.();
    env[info.key] = info.val;
    accept?.();
  });
  // A pty is acknowledged but not allocated: commands still run on pipes, which is what the
  // agent reads anyway, and clients that ask for one out of habit keep working.
  session.on("pty", (accept) => accept?.());
  session.on("signal", (accept, reject, info) => {
    const name = `SIG${info.name.replace(/^SIG/, "")}` as NodeJS.Signals;
    if (!child || !(name in constants.signals)) return reject?.();
    killGroup(child, name);
    accept?.();
  });
  session.once("exec", (accept, _reject, info) => {
    const channel = accept();
    const proc = spawn("/bin/sh", ["-c", info.command], {
      cwd: homedir(),
      env: loginEnv(user, env),
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
    });
    child = proc;
    children.add(proc);
    let channelOpen = true;

    proc.stdout?.pipe(channel, { end: false });
    proc.stderr?.pipe(channel.stderr, { end: false });
    // A command that exits before reading its input makes the pipe fail with EPIPE.
    proc.stdin?.on("error", () => {});
    if (proc.stdin) channel.pipe(proc.stdin);

    proc.on("error", (err) => {
      children.delete(proc);
      if (!channelOpen) return;
      channel.stderr.write(`sh: ${err.message}\n`);
      reportExit(channel, 127, null);
    });
    // "close" (not "exit"): every byte of output has been read by then.
    proc.on("close", (code, signal) => {
      children.delete(proc);
      if (channelOpen) reportExit(channel, code, signal);
    });
    channel.on("close", () => {
      channelOpen = false;
      terminate(proc);
    });
  });
}

/** Starts the demo SSH server on 127.0.0.1 on a free port. */
export async function startDemoTarget(options: DemoTargetOptions = {}): Promise<DemoTarget> {
  const user = options.user ?? userInfo().username;
  const log = options.log ?? (() => {});
  const hostKey = generateEd25519();
  const clientKey = generateEd25519();
  const allowed = clientKey.parsed;
  const allowedBlob = allowed.getPublicSSH();
  const allowedUser = Buffer.from(user);

  const children = new Set<ChildProcess>();
  const connections = new Set<ssh2.Connection>();
  const sockets = new Set<Socket>();

  const ssh = new ssh2.Server({ hostKeys: [hostKey.private] }, (client) => {
    connections.add(client);
    client.on("close", () => connections.delete(client));
    client.on("error", (err) => log(`connection error: ${err.message}`));
    client.on("authentication", (ctx) => {
      const userOk = sameBytes(Buffer.from(ctx.username), allowedUser);
      if (ctx.method !== "publickey") return ctx.reject(["publickey"]);
      const keyOk = ctx.key.algo === allowed.type && sameBytes(ctx.key.data, allowedBlob);
      // Without a signature the client only asks whether the key would do; with one, it proves it holds it.
      const proofOk =
        !ctx.signature || (ctx.blob !== undefined && allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true);
      if (userOk && keyOk && proofOk) return ctx.accept();
      log(`refused ${ctx.username}: ${userOk ? "unknown key" : "unknown user"}`);
      ctx.reject(["publickey"]);
    });
    client.on("ready", () => {
      client.on("session", (accept) => handleSession(accept(), user, children));
    });
  });

  // Our own listener so each socket gets TCP_NODELAY: without it every exec pays Nagle's delay.
  const net: NetServer = createServer((socket) => {
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    ssh.injectSocket(socket);
  });
  await new Promise<void>((resolve, reject) => {
    net.once("error", reject);
    net.listen(0, "127.0.0.1", () => {
      net.off("error", reject);
      resolve();
    });
  });
  const address = net.address();
  if (address === null || typeof address === "string") throw new Error("demo SSH server has no TCP address");

  return {
    host: "127.0.0.1",
    port: address.port,
    user,
    clientKey: clientKey.private,
    hostKeyFingerprint: fingerprint(hostKey.public),
    async close() {
      for (const child of children) killGroup(child, "SIGKILL");
      for (const client of connections) client.end();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => net.close(() => resolve()));
    },
  };
}

/**
 * The demo fleet: one VM (this machine, through the demo target), one group, one user
 * whose API key is `apiKey`, so permissions are on exactly as in production.
 */
export function demoConfig(target: DemoTarget, apiKey: string): Config {
  return {
    vms: [
      {
        name: "demo",
        host: target.host,
        port: target.port,
        user: target.user,
        key: target.clientKey,
        host_key: target.hostKeyFingerprint,
      },
    ],
    groups: [{ name: "demo", vms: ["demo"] }],
    // The demo user is an admin, so the status page can be tried too.
    users: [{ name: "demo", api_key: apiKey, groups: ["demo"], admin: true }],
  };
}
