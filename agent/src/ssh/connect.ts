/**
 * @module Opens one authenticated SSH connection to a VM over a socket we create
 * ourselves (TCP_NODELAY + keepalive), verifying the host key, and maps every failure
 * to ssh_connect, ssh_auth or host_key_mismatch with a message naming the VM.
 */
import { connect as tcpConnect } from "node:net";
import { ERROR_CODES } from "@telecommande/shared";
import ssh2 from "ssh2";
import type { ServedVm } from "../config.js";
import { describeNetError, formatDuration, JobError } from "../errors.js";
import type { Logger } from "../log.js";
import { type HostKeyStore, mismatchMessage } from "./host-keys.js";

export interface SshConnection {
  client: ssh2.Client;
  alive: boolean;
  /** Channels opened on it so far: a connection never used cannot be stale. */
  uses: number;
  /** Ends the connection and resolves once its socket is closed (or after a short grace). */
  end(): Promise<void>;
}

export interface ConnectOptions {
  hostKeys: HostKeyStore;
  log: Logger;
  readyTimeoutMs?: number | undefined;
  keepaliveIntervalMs?: number | undefined;
  onClose?: (conn: SshConnection) => void;
  /** Pool shutdown: abandon a connection still being set up. */
  signal?: AbortSignal;
}

type SshError = Error & { level?: string; code?: string };

export function connectSsh(vm: ServedVm, options: ConnectOptions): Promise<SshConnection> {
  const readyTimeout = options.readyTimeoutMs ?? 10_000;
  const where = `${vm.name} (${vm.host}:${vm.port})`;
  const cannot = (reason: string, transient = false) =>
    new JobError(ERROR_CODES.sshConnect, `cannot connect to ${where}: ${reason}`, transient);
  const authFailed = (detail?: string) =>
    new JobError(
      ERROR_CODES.sshAuth,
      `SSH authentication failed for ${vm.user}@${vm.name}${detail ? `: ${detail}` : ""}`,
    );
  const { log } = options;

  if (options.signal?.aborted) return Promise.reject(cannot("the agent is shutting down"));

  return new Promise<SshConnection>((resolve, reject) => {
    const started = performance.now();
    const sock = tcpConnect({ host: vm.host, port: vm.port });
    sock.setNoDelay(true);
    sock.setKeepAlive(true, 10_000);
    const tcpTimer = setTimeout(() => {
      sock.destroy();
      reject(cannot(`timed out after ${formatDuration(readyTimeout)}`));
    }, readyTimeout);
    const onSockError = (err: Error) => {
      clearTimeout(tcpTimer);
      reject(cannot(describeNetError(err)));
    };
    sock.once("error", onSockError);
    const onAbort = () => {
      clearTimeout(tcpTimer);
      sock.destroy();
      reject(cannot("the agent is shutting down"));
    };
    options.signal?.addEventListener("abort", onAbort, { once: true });

    sock.once("connect", () => {
      clearTimeout(tcpTimer);
      sock.removeListener("error", onSockError);
      const client = new ssh2.Client();
      let ready = false;
      let hostKeyFailure: JobError | undefined;
      let closed: Promise<void> | undefined;
      const conn: SshConnection = {
        client,
        alive: false,
        uses: 0,
        end: () => {
          closed ??= new Promise<void>((done) => {
            if (!conn.alive && sock.destroyed) return done();
            const grace = setTimeout(() => {
              sock.destroy();
              done();
            }, 1000);
            client.once("close", () => {
              clearTimeout(grace);
              done();
            });
            client.end();
          });
          return closed;
        },
      };
      const markDead = () => {
        if (!conn.alive && !ready) return;
        if (conn.alive) log.info("ssh_disconnected", { vm: vm.name });
        conn.alive = false;
        options.onClose?.(conn);
      };

      client.on("ready", () => {
        options.signal?.removeEventListener("abort", onAbort);
        ready = true;
        conn.alive = true;
        log.info("ssh_connected", {
          vm: vm.name,
          host: vm.host,
          port: vm.port,
          ms: Math.round(performance.now() - started),
        });
        resolve(conn);
      });
      client.on("error", (err: SshError) => {
        if (ready) {
          log.warn("ssh_error", { vm: vm.name, error: err.message, level: err.level });
          return;
        }
        if (hostKeyFailure) return reject(hostKeyFailure);
        if (err.level === "client-authentication") return reject(authFailed());
        if (err.level === "client-timeout")
          return reject(cannot(`SSH handshake timed out after ${formatDuration(readyTimeout)}`));
        // A reset while the server still counts us unauthenticated is how sshd sheds load (MaxStartups).
        if (err.level === "client-socket") return reject(cannot(describeNetError(err), err.code === "ECONNRESET"));
        // sshd closing before its banner is how it sheds connections above MaxStartups.
        reject(cannot(err.message, err.message === "Connection lost before handshake"));
      });
      client.on("end", markDead);
      client.on("close", () => {
        options.signal?.removeEventListener("abort", onAbort);
        markDead();
        // Settles nothing if already settled; otherwise the server hung up mid-handshake.
        reject(hostKeyFailure ?? cannot("the server closed the connection during the SSH handshake", true));
      });

      try {
        client.connect({
          sock,
          username: vm.user,
          privateKey: vm.privateKey,
          passphrase: vm.passphrase,
          readyTimeout,
          keepaliveInterval: options.keepaliveIntervalMs ?? 10_000,
          hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
            options.hostKeys.check(vm, key).then(
              (decision) => {
                if (decision.ok) {
                  if (decision.source === "tofu") {
                    log.warn("host_key_tofu", {
                      vm: vm.name,
                      host: vm.host,
                      port: vm.port,
                      fingerprint: decision.fingerprint,
                      file: decision.file,
                      saved: decision.saved,
                    });
                  }
                  return verify(true);
                }
                hostKeyFailure = new JobError(ERROR_CODES.hostKeyMismatch, mismatchMessage(vm, decision));
                log.error("host_key_mismatch", { vm: vm.name, expected: decision.expected, got: decision.got });
                verify(false);
              },
              (err: unknown) => {
                hostKeyFailure = cannot(`cannot check the host key: ${err instanceof Error ? err.message : err}`);
                verify(false);
              },
            );
          },
        });
      } catch (err) {
        // ssh2 validates the key synchronously; the config check normally catches this earlier.
        sock.destroy();
        reject(authFailed(err instanceof Error ? err.message : String(err)));
      }
    });
  });
}
