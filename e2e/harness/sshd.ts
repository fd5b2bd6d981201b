/**
 * @module A real OpenSSH server for the tests: its own host key, client key, config and
 * free port, listening on several loopback addresses so one sshd plays several hosts.
 * Logins go to a dedicated user with an empty home, never root.
 */
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import {
  accessSync,
  constants,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { assertLoopback, freePort, readSshBanner, waitFor } from "./ports.js";
import { ManagedProcess, onProcessExit, withTail } from "./proc.js";

export const SSHD_PATH = "/usr/sbin/sshd";
export const SFTP_SERVER_PATH = "/usr/lib/openssh/sftp-server";
export const TEST_USER = "tlc-e2e";
export const TEST_HOME = "/var/lib/tlc-e2e";
export const DEFAULT_SSH_HOSTS = ["127.0.0.1", "127.0.0.2", "127.0.0.3"];

export interface Sshd {
  port: number;
  /** Loopback addresses it listens on. */
  hosts: string[];
  user: string;
  home: string;
  /** Scratch directory inside the user's home, owned by the user, removed on stop. */
  runDir: string;
  /** Tags every session process (`SetEnv TLC_E2E_RUN=<id>`) so stop can find them. */
  runId: string;
  /** `SHA256:...` fingerprint of the host key, as `ssh-keygen -l` prints it. */
  hostKeyFingerprint: string;
  /** The host public key line, `ssh-ed25519 AAAA...`. */
  hostPublicKey: string;
  clientKeyPath: string;
  clientKey: string;
  dir: string;
  logTail(): string;
  /** Kills the daemon and its sessions, starts it again on the same port; `newHostKey` changes its host key. */
  restart(options?: { newHostKey?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

/** Why the real-sshd tests cannot run here, or undefined when they can. */
export function sshdUnavailableReason(): string | undefined {
  try {
    accessSync(SSHD_PATH, constants.X_OK);
  } catch {
    return `${SSHD_PATH} not found or not executable`;
  }
  if (process.getuid?.() !== 0) return "the e2e harness must run as root (it creates the test user and runs sshd)";
  try {
    execFileSync("ssh-keygen", ["-?"], { stdio: "ignore" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "ssh-keygen not found";
  }
  return undefined;
}

/**
 * True when the stack can run. Without sshd: throws under CI (a missing dependency must
 * fail the build), otherwise prints a loud warning and returns false so tests skip.
 */
export function sshdAvailable(): boolean {
  const reason = sshdUnavailableReason();
  if (!reason) return true;
  if (process.env.CI) throw new Error(`e2e: real sshd required in CI: ${reason}`);
  const bar = "!".repeat(78);
  console.error(
    `\n${bar}\n!! E2E TESTS SKIPPED: ${reason}\n!! These tests did NOT run; set CI=1 to make this a failure.\n${bar}\n`,
  );
  return false;
}

/** OpenSSH's fingerprint of a public key line: base64 SHA-256 of the key blob, unpadded. */
export function fingerprintOf(publicKeyLine: string): string {
  const blob = publicKeyLine.trim().split(/\s+/)[1];
  if (!blob) throw new Error(`not a public key line: ${publicKeyLine}`);
  const digest = createHash("sha256").update(Buffer.from(blob, "base64")).digest("base64");
  return `SHA256:${digest.replace(/=+$/, "")}`;
}

function run(command: string, args: string[]): string {
  return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

/** Creates the dedicated test user if needed; its home exists and holds no dotfiles. */
export function ensureTestUser(): { uid: number; gid: number } {
  let entry: string;
  try {
    entry = run("getent", ["passwd", TEST_USER]);
  } catch {
    run("useradd", ["-M", "-d", TEST_HOME, "-s", "/bin/bash", TEST_USER]);
    entry = run("getent", ["passwd", TEST_USER]);
  }
  // A `!` (locked) password makes sshd with UsePAM no refuse even public-key logins.
  const shadow = run("getent", ["shadow", TEST_USER]).split(":")[1] ?? "";
  if (shadow.startsWith("!")) run("usermod", ["-p", "*", TEST_USER]);
  const [, , uid, gid] = entry.trim().split(":");
  const ids = { uid: Number(uid), gid: Number(gid) };
  if (!existsSync(TEST_HOME)) {
    mkdirSync(TEST_HOME, { recursive: true, mode: 0o755 });
    run("chown", [`${ids.uid}:${ids.gid}`, TEST_HOME]);
  }
  const dotfiles = readdirSync(TEST_HOME).filter((f) => f.startsWith(".bash") || f === ".profile");
  if (dotfiles.length) {
    console.warn(`e2e: ${TEST_HOME} has ${dotfiles.join(", ")}; every bash -lc will read them (slower, less hermetic)`);
  }
  return ids;
}

/**
 * Kills this run's SSH sessions and whatever they left behind (e.g. an orphaned `sleep 30`):
 * every process under the listener, and every one carrying the run's environment tag.
 */
function killSessions(listenerPid: number | undefined, runId: string): void {
  const tag = `TLC_E2E_RUN=${runId}`;
  const children = new Map<number, number[]>();
  const pids = new Set<number>();
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!/^\d+$/.test(entry) || pid === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), pid]);
      if (readFileSync(`/proc/${entry}/environ`, "latin1").split("\0").includes(tag)) pids.add(pid);
    } catch {
      // the process ended while we looked, or is a kernel thread
    }
  }
  const queue = listenerPid ? [listenerPid] : [];
  while (queue.length) {
    for (const child of children.get(queue.shift() as number) ?? []) {
      pids.add(child);
      queue.push(child);
    }
  }
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/**
 * sshd's session limits. Left unset, sshd runs with its stock values (`MaxSessions 10`,
 * `MaxStartups 10:30:100`): what users run, so what the tests run unless they say otherwise.
 */
export interface SshdLimits {
  maxSessions?: number;
  maxStartups?: string;
}

function sshdConfig(dir: string, port: number, hosts: string[], runId: string, limits: SshdLimits): string {
  return [
    `Port ${port}`,
    ...hosts.map((h) => `ListenAddress ${h}`),
    `HostKey ${dir}/host_ed25519`,
    `PidFile ${dir}/sshd.pid`,
    `AuthorizedKeysFile ${dir}/authorized_keys`,
    "UsePAM no",
    "StrictModes no",
    "PubkeyAuthentication yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "PermitRootLogin no",
    `AllowUsers ${TEST_USER}`,
    ...(limits.maxSessions === undefined ? [] : [`MaxSessions ${limits.maxSessions}`]),
    ...(limits.maxStartups === undefined ? [] : [`MaxStartups ${limits.maxStartups}`]),
    "LogLevel ERROR",
    "PrintMotd no",
    "X11Forwarding no",
    // The file tools speak SFTP: OpenSSH's own server where installed, else the one built into sshd.
    `Subsystem sftp ${existsSync(SFTP_SERVER_PATH) ? SFTP_SERVER_PATH : "internal-sftp"}`,
    `SetEnv TLC_E2E_RUN=${runId}`,
    "",
  ].join("\n");
}

/** (Re)generates the host key in `dir`; its public key line, `ssh-ed25519 AAAA...`. */
function makeHostKey(dir: string): string {
  for (const file of ["host_ed25519", "host_ed25519.pub"]) rmSync(`${dir}/${file}`, { force: true });
  run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "tlc-e2e-host", "-f", `${dir}/host_ed25519`]);
  return readFileSync(`${dir}/host_ed25519.pub`, "utf8").trim().split(/\s+/).slice(0, 2).join(" ");
}

/** Runs `sshd -D` on `port` until every address shows a banner; stopped again when it cannot start. */
async function launch(dir: string, port: number, hosts: string[], runId: string, limits: SshdLimits) {
  const cfg = `${dir}/sshd_config`;
  writeFileSync(cfg, sshdConfig(dir, port, hosts, runId, limits), { mode: 0o644 });
  execFileSync(SSHD_PATH, ["-t", "-f", cfg], { stdio: ["ignore", "ignore", "pipe"] });
  const proc = new ManagedProcess("sshd", SSHD_PATH, ["-D", "-e", "-f", cfg], { logFile: `${dir}/sshd.log` });
  const banner = (host: string) => async () => (await readSshBanner(host, port)).startsWith("SSH-2.0-");
  const banners = hosts.map((host) => waitFor(`sshd banner on ${host}:${port}`, banner(host), 10_000));
  const outcome = await Promise.race([
    Promise.all(banners).then(() => "ready" as const),
    proc.exited.then(() => "exited" as const),
  ]).catch((error: Error) => error);
  if (outcome === "ready") return proc;
  await proc.stop();
  const why = outcome instanceof Error ? outcome.message : `sshd exited during startup (port ${port})`;
  throw Object.assign(withTail(why, proc), { inUse: /Address already in use|Bind to port/i.test(proc.logTail()) });
}

/** Starts sshd in `dir` (created if needed). Rejects with the sshd log when it cannot start. */
export async function startSshd(
  dir: string,
  hosts: string[] = DEFAULT_SSH_HOSTS,
  limits: SshdLimits = {},
): Promise<Sshd> {
  for (const host of hosts) assertLoopback(host);
  const { uid, gid } = ensureTestUser();
  mkdirSync(dir, { recursive: true, mode: 0o711 });
  if (!existsSync("/run/sshd")) mkdirSync("/run/sshd", { recursive: true, mode: 0o755 });

  const runId = randomBytes(6).toString("hex");
  const hostPublicKey = makeHostKey(dir);
  run("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "tlc-e2e-client", "-f", `${dir}/client_ed25519`]);
  const clientPublic = readFileSync(`${dir}/client_ed25519.pub`, "utf8");
  // sshd reads authorized_keys as the target user: it must be readable by tlc-e2e.
  writeFileSync(`${dir}/authorized_keys`, clientPublic, { mode: 0o644 });
  try {
    run("runuser", ["-u", TEST_USER, "--", "test", "-r", `${dir}/authorized_keys`]);
  } catch {
    throw new Error(
      `${TEST_USER} cannot read ${dir}/authorized_keys: make every parent directory of ${dir} traversable (0711)`,
    );
  }

  const runDir = path.join(TEST_HOME, `run-${runId}`);
  mkdirSync(runDir, { mode: 0o755 });
  run("chown", [`${uid}:${gid}`, runDir]);

  let proc: ManagedProcess | undefined;
  const unregister = onProcessExit(() => {
    killSessions(proc?.pid, runId);
    rmSync(runDir, { recursive: true, force: true });
  });
  const halt = async () => {
    killSessions(proc?.pid, runId);
    await proc?.stop();
    killSessions(undefined, runId);
  };
  const cleanup = async () => {
    await halt();
    rmSync(runDir, { recursive: true, force: true });
    unregister();
  };

  try {
    let port = 0;
    for (let attempt = 1; !proc; attempt++) {
      port = await freePort(hosts[0]);
      proc = await launch(dir, port, hosts, runId, limits).catch(async (error: Error & { inUse?: boolean }) => {
        if (!(attempt < 3 && error.inUse)) throw error;
        return sleep(50).then(() => undefined);
      });
    }
    const sshd: Sshd = {
      port,
      hosts,
      user: TEST_USER,
      home: TEST_HOME,
      runDir,
      runId,
      hostKeyFingerprint: fingerprintOf(hostPublicKey),
      hostPublicKey,
      clientKeyPath: `${dir}/client_ed25519`,
      clientKey: readFileSync(`${dir}/client_ed25519`, "utf8"),
      dir,
      logTail: () => proc?.logTail() ?? "",
      restart: async ({ newHostKey = false } = {}) => {
        await halt();
        if (newHostKey) {
          sshd.hostPublicKey = makeHostKey(dir);
          sshd.hostKeyFingerprint = fingerprintOf(sshd.hostPublicKey);
        }
        proc = await launch(dir, port, hosts, runId, limits);
      },
      stop: cleanup,
    };
    return sshd;
  } catch (error) {
    await cleanup();
    throw error;
  }
}
