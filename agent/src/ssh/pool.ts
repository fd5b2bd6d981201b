/**
 * @module Opens exec channels for jobs on SSH connections reused across jobs (each VM's
 * connections and waiting jobs are its VmSlots), with a transparent reconnect when a
 * connection has died.
 *
 * sshd refusing a session (`Channel open failure: open failed`, its MaxSessions limit) is
 * a "busy" answer on a healthy connection, never a reason to close it: the job waits and
 * retries, and the VM's SessionLimit learns the server's limit from the refusals so the
 * pool stays under it from then on. Exec channels and SFTP sessions share this logic: both
 * take one session slot on a connection.
 */
import { ERROR_CODES } from "@telecommande/shared";
import type { ServedVm } from "../config.js";
import { JobError } from "../errors.js";
import type { Logger } from "../log.js";
import type { SshConnection } from "./connect.js";
import { Dialer } from "./dialer.js";
import { type OpenedChannel, stopChannel } from "./exec.js";
import type { HostKeyStore } from "./host-keys.js";
import { type ExecError, isDead, isRefusal, openExec } from "./open-exec.js";
import { type OpenedSftp, openSftp } from "./sftp-open.js";
import { type Conn, liveUpTo, VmSlots } from "./vm-slots.js";

export interface PoolOptions {
  hostKeys: HostKeyStore;
  log: Logger;
  /**
   * Sessions at once on one connection. Below sshd's default MaxSessions (10) on purpose:
   * sshd frees a session slightly after we see its channel close, so a full 10 would be
   * refused now and then.
   */
  maxChannels?: number;
  /** Connections at once to one VM; with `maxChannels`, the per-VM concurrency. */
  maxConnections?: number;
  readyTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  /** An unused connection is closed after this long; the next job reconnects. */
  idleCloseMs?: number;
  /** SSH handshakes at once across all VMs. */
  maxHandshakes?: number;
  /** Jobs that may wait at once for a session on one VM; more are refused as busy. */
  maxWaitingPerVm?: number;
}

export const DEFAULT_MAX_CHANNELS = 8;
export const DEFAULT_MAX_CONNECTIONS = 4;
/** Refusals one job sits through before it gives up as `busy`; waits grow to 50 ms, so ~2 s. */
const MAX_REFUSALS = 50;

/** One kind of session channel (exec, sftp): how it opens, which emitter says it closed, how to stop it. */
interface SessionKind<T> {
  open: (ssh: SshConnection) => Promise<T>;
  channel: (opened: T) => { once(event: "close", listener: () => void): unknown };
  stop: (opened: T) => void;
}

const labelOf = (vm: ServedVm) => `${vm.name} (${vm.host}:${vm.port})`;

/** The pause before a refused open is tried again; the job's abort ends it. */
function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

export class SshPool {
  private readonly slots = new Map<string, VmSlots>();
  private readonly maxChannels: number;
  private readonly maxConnections: number;
  private closed = false;
  private readonly closing = new AbortController();
  private readonly dialer: Dialer;
  /** SSH connections opened since start; tests use it to prove reuse. */
  connectionsOpened = 0;
  /** Channel opens the servers refused and that were retried. */
  refusals = 0;

  constructor(private readonly options: PoolOptions) {
    this.maxChannels = options.maxChannels ?? DEFAULT_MAX_CHANNELS;
    this.maxConnections = options.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
    this.dialer = new Dialer({
      hostKeys: options.hostKeys,
      log: options.log,
      readyTimeoutMs: options.readyTimeoutMs,
      keepaliveIntervalMs: options.keepaliveIntervalMs,
      signal: this.closing.signal,
      maxHandshakes: options.maxHandshakes,
    });
  }

  /**
   * Opens a session channel on `vm` running `command`; the channel slot frees itself when it
   * closes. `onSent` hears each time the exec request goes out.
   */
  async open(vm: ServedVm, command: string, signal: AbortSignal, onSent?: () => void): Promise<OpenedChannel> {
    const { opened, owner } = await this.session(vm, signal, {
      open: (ssh) => openExec(ssh, command, onSent),
      channel: (o) => o.channel,
      stop: (o) => stopChannel(o.channel),
    });
    return { ...opened, connectionLost: () => !owner.alive, label: labelOf(vm) };
  }

  /**
   * Opens an SFTP session on `vm`: one session slot of a pooled connection, like `open`,
   * freed when the SFTP channel closes (the caller ends it).
   */
  async sftp(vm: ServedVm, signal: AbortSignal): Promise<OpenedSftp> {
    const { opened, owner } = await this.session(vm, signal, {
      open: (ssh) => openSftp(ssh, labelOf(vm)),
      channel: (sftp) => sftp,
      stop: (sftp) => sftp.end(),
    });
    return { sftp: opened, connectionLost: () => !owner.alive, label: labelOf(vm) };
  }

  /**
   * Takes a session slot on one of `vm`'s connections and opens a channel of `kind` there:
   * a refusal (sshd's MaxSessions) waits and retries on the same healthy connection, a
   * reused connection found dead is replaced once. The slot frees when the channel closes.
   */
  private async session<T>(
    vm: ServedVm,
    signal: AbortSignal,
    kind: SessionKind<T>,
  ): Promise<{ opened: T; owner: SshConnection }> {
    if (this.closed) throw new JobError(ERROR_CODES.internal, "the agent is shutting down");
    const slots = this.slotsOf(vm);
    let refused = 0;
    let staleRetried = false;
    for (;;) {
      const conn = await slots.take(signal, refused > 0);
      let opened: T;
      const seq = conn.sent++;
      conn.live.add(seq);
      try {
        opened = await kind.open(conn.ssh);
      } catch (err) {
        conn.active--;
        conn.live.delete(seq);
        if (isRefusal(err)) {
          refused++;
          await this.refusedOn(slots, conn, seq, err as ExecError, refused, signal);
          continue;
        }
        slots.pump();
        if (!isDead(conn.ssh, err)) throw this.sessionError(vm, err);
        slots.discard(conn);
        if (conn.ssh.uses > 0 && !staleRetried) {
          // A reused connection may have died silently: reconnect once and retry.
          staleRetried = true;
          this.options.log.info("ssh_stale_connection", { vm: vm.name, error: err });
          continue;
        }
        throw this.sessionError(vm, err);
      }
      conn.ssh.uses++;
      slots.sessions.granted(liveUpTo(conn, seq));
      kind.channel(opened).once("close", () => {
        conn.live.delete(seq);
        slots.release(conn);
      });
      if (signal.aborted) {
        kind.stop(opened);
        throw signal.reason;
      }
      return { opened, owner: conn.ssh };
    }
  }

  /** Ends every connection; queued jobs fail. */
  async close(): Promise<void> {
    this.closed = true;
    this.closing.abort();
    const ending: Promise<void>[] = [];
    const shutdown = new JobError(ERROR_CODES.internal, "the agent is shutting down");
    for (const slots of this.slots.values()) ending.push(...slots.close(shutdown));
    await Promise.all(ending);
  }

  private slotsOf(vm: ServedVm): VmSlots {
    let slots = this.slots.get(vm.name);
    if (!slots) {
      slots = new VmSlots(vm, {
        dialer: this.dialer,
        log: this.options.log,
        maxChannels: this.maxChannels,
        maxConnections: this.maxConnections,
        idleCloseMs: this.options.idleCloseMs ?? 300_000,
        maxWaiting: this.options.maxWaitingPerVm,
        open: () => !this.closed,
        onConnected: () => {
          this.connectionsOpened++;
        },
      });
      this.slots.set(vm.name, slots);
    }
    slots.vm = vm;
    return slots;
  }

  /** A refused channel open: learn from it, then wait a little before the job tries again. */
  private async refusedOn(
    slots: VmSlots,
    conn: Conn,
    seq: number,
    err: ExecError,
    refused: number,
    signal: AbortSignal,
  ): Promise<void> {
    const { vm } = slots;
    this.refusals++;
    // Opens are answered in order: every live one sent before this one is a session the server counted.
    const ahead = liveUpTo(conn, seq - 1);
    const verdict = slots.sessions.refused(ahead);
    if (verdict === "refuses-all") {
      slots.pump();
      throw new JobError(
        ERROR_CODES.sshConnect,
        `${vm.name} (${vm.host}:${vm.port}) refused to open an SSH session: ${err.message}`,
      );
    }
    if (verdict === "learned") {
      this.options.log.warn("ssh_session_limit", {
        vm: vm.name,
        limit: ahead,
        hint: "the server refused a session at this count (sshd MaxSessions); the pool stays under it",
      });
    }
    if (refused >= MAX_REFUSALS) {
      slots.pump();
      throw new JobError(
        ERROR_CODES.busy,
        `${vm.name} (${vm.host}:${vm.port}) kept refusing new SSH sessions (${refused} times); try again shortly`,
      );
    }
    await sleep(Math.min(2 ** (refused - 1), 50), signal).finally(() => slots.pump());
  }

  private sessionError(vm: ServedVm, err: unknown): JobError {
    if (err instanceof JobError) return err;
    const detail = err instanceof Error ? err.message : String(err);
    return new JobError(
      ERROR_CODES.sshConnect,
      `cannot open an SSH session on ${vm.name} (${vm.host}:${vm.port}): ${detail}`,
    );
  }
}
