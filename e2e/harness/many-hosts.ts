/**
 * @module Many loopback "hosts" for fleet tests and benchmarks: several real sshd, each
 * listening on up to 16 addresses of 127.0.0.0/8 (127.0.1.1, 127.0.1.2, …), plus stand-ins
 * for broken hosts (one that hangs before the SSH banner, one where nothing listens).
 *
 *   const fleet = await startManyHosts(dir, 200); // 13 sshd
 *   for (const h of fleet.hosts) ...             // h.name "h001", h.host, h.port, keys
 *   await fleet.stop();
 */
import { mkdirSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { assertLoopback, freePort } from "./ports.js";
import { onProcessExit } from "./proc.js";
import { type Sshd, type SshdLimits, startSshd } from "./sshd.js";

/** sshd accepts at most 16 `ListenAddress` lines. */
export const MAX_ADDRESSES_PER_SSHD = 16;

export interface ManyHostsOptions {
  /** Addresses per sshd, 1 to 16 (default 16): fewer means more sshd processes. */
  perSshd?: number;
  /** Limits for every sshd; stock (`MaxSessions 10`, `MaxStartups 10:30:100`) unless given. */
  limits?: SshdLimits;
  /**
   * Third octet of the first address (default 1: 127.0.1.1 onwards), so fleets can run
   * beside the e2e stack's 127.0.0.1–3. Each octet holds 250 hosts (.1 to .250).
   */
  firstOctet?: number;
}

/** One "host": an address on one of the sshd, and what a client needs to log in. */
export interface FleetHost {
  /** `h001`, `h002`, … zero-padded to the fleet's size, so names sort in host order. */
  name: string;
  host: string;
  port: number;
  user: string;
  clientKeyPath: string;
  clientKey: string;
  /** `ssh-ed25519 AAAA...`: the sshd's host key, for known_hosts. */
  hostPublicKey: string;
  /** `SHA256:...`, as `ssh-keygen -l` prints it. */
  hostKeyFingerprint: string;
  /** The serving sshd's scratch directory in the test user's home, removed on stop. */
  runDir: string;
}

export interface ManyHosts {
  hosts: FleetHost[];
  sshds: Sshd[];
  stop(): Promise<void>;
}

/** A host as a VM entry of the product's config: its key inline and its host key pinned. */
export function fleetVm(h: FleetHost) {
  return { name: h.name, host: h.host, port: h.port, user: h.user, key: h.clientKey, host_key: h.hostKeyFingerprint };
}

/** The `i`-th address (0-based): 127.0.<firstOctet + ⌊i/250⌋>.<1 + i mod 250>. */
export function fleetAddress(i: number, firstOctet = 1): string {
  const address = `127.0.${firstOctet + Math.floor(i / 250)}.${1 + (i % 250)}`;
  assertLoopback(address);
  return address;
}

/**
 * Starts ⌈n / perSshd⌉ sshd in parallel under `dir` (one subdirectory each, own host and
 * client key, own port on all its addresses). Stops the ones that started when any fails.
 */
export async function startManyHosts(dir: string, n: number, options: ManyHostsOptions = {}): Promise<ManyHosts> {
  const perSshd = options.perSshd ?? MAX_ADDRESSES_PER_SSHD;
  if (!Number.isInteger(n) || n < 1) throw new Error(`startManyHosts: n must be a positive integer, got ${n}`);
  if (!Number.isInteger(perSshd) || perSshd < 1 || perSshd > MAX_ADDRESSES_PER_SSHD) {
    throw new Error(`startManyHosts: perSshd must be 1..${MAX_ADDRESSES_PER_SSHD}, got ${perSshd}`);
  }
  const addresses = Array.from({ length: n }, (_, i) => fleetAddress(i, options.firstOctet));
  const groups: string[][] = [];
  for (let i = 0; i < n; i += perSshd) groups.push(addresses.slice(i, i + perSshd));
  mkdirSync(dir, { recursive: true, mode: 0o711 });

  const started: Sshd[] = [];
  const stopAll = async () => {
    const results = await Promise.allSettled(started.splice(0).map((s) => s.stop()));
    const errors = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
    if (errors.length) throw new AggregateError(errors, "some sshd did not stop cleanly");
  };
  const results = await Promise.allSettled(
    groups.map(async (hosts, i) => {
      const sshd = await startSshd(path.join(dir, `sshd-${String(i + 1).padStart(2, "0")}`), hosts, options.limits);
      started.push(sshd);
      return sshd;
    }),
  );
  const failed = results.find((r) => r.status === "rejected");
  if (failed) {
    await stopAll().catch(() => undefined);
    throw (failed as PromiseRejectedResult).reason;
  }
  const sshds = results.map((r) => (r as PromiseFulfilledResult<Sshd>).value);
  const width = Math.max(3, String(n).length);
  const hosts = sshds.flatMap((sshd) =>
    sshd.hosts.map((host) => ({
      host,
      port: sshd.port,
      user: sshd.user,
      clientKeyPath: sshd.clientKeyPath,
      clientKey: sshd.clientKey,
      hostPublicKey: sshd.hostPublicKey,
      hostKeyFingerprint: sshd.hostKeyFingerprint,
      runDir: sshd.runDir,
    })),
  );
  return {
    hosts: hosts.map((h, i) => ({ name: `h${String(i + 1).padStart(width, "0")}`, ...h })),
    sshds,
    stop: stopAll,
  };
}

export interface SilentHost {
  host: string;
  port: number;
  /** Connections accepted so far. */
  accepted(): number;
  stop(): Promise<void>;
}

/**
 * A TCP server that accepts connections and never sends a byte: an SSH host that hangs
 * before its banner (a wedged sshd, a firewall that accepts and drops). Reads and discards
 * what the client sends.
 */
export async function startSilentHost(host = "127.0.0.1"): Promise<SilentHost> {
  assertLoopback(host);
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const server = net.createServer((socket) => {
    accepted++;
    sockets.add(socket);
    socket.on("data", () => undefined);
    socket.on("error", () => undefined);
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const close = () => {
    for (const socket of sockets) socket.destroy();
    server.close();
  };
  // An in-process server dies with the process; this only keeps a SIGINT from waiting on it.
  const unregister = onProcessExit(close);
  return {
    host,
    port,
    accepted: () => accepted,
    stop: async () => {
      unregister();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * A loopback host:port where nothing listens: connections are refused at once. The port was
 * free a moment ago; something else may take it later, so use it soon.
 */
export async function closedHost(host = "127.0.0.1"): Promise<{ host: string; port: number }> {
  assertLoopback(host);
  return { host, port: await freePort(host) };
}
